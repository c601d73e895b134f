"""The evaluation harness: scenario files, end-to-end runs in virtual time, and the scores."""
