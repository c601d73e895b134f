"""Baselines: what a series should look like, so that a residual can say how unusual a point is."""

from .base import FlatModel, Model, RollingModel, SparseModel
from .learned import AutoencoderModel, IForestModel
from .prophet_model import ProphetModel
from .seasonal import SeasonalModel

MODELS: dict[str, type[Model]] = {
    "flat": FlatModel,
    "rolling": RollingModel,
    "sparse": SparseModel,
    "seasonal": SeasonalModel,
    "prophet": ProphetModel,
    "iforest": IForestModel,
    "autoencoder": AutoencoderModel,
}

__all__ = ["MODELS", "AutoencoderModel", "FlatModel", "IForestModel", "Model", "ProphetModel", "RollingModel",
           "SeasonalModel", "SparseModel"]  # fmt: skip
