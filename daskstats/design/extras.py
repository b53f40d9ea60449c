"""The names of a model's non-formula columns (offset, exposure, weights, cluster groups)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExtraColumns", "INTERNAL_PREFIX"]

#: prefix of the columns daskstats adds for values given as arrays or Series
INTERNAL_PREFIX = "__daskstats_"


@dataclass(frozen=True)
class ExtraColumns:
    """Names (inside the prepared frame) of the non-formula columns of the model."""

    offset: str | None = None
    exposure: str | None = None
    freq_weights: str | None = None
    var_weights: str | None = None
    groups: tuple[str, ...] = ()

    def numeric(self) -> dict[str, str]:
        """``{"offset" | "exposure" | "freq_weights" | "var_weights": column}`` of those given."""
        items = {
            "offset": self.offset,
            "exposure": self.exposure,
            "freq_weights": self.freq_weights,
            "var_weights": self.var_weights,
        }
        return {k: v for k, v in items.items() if v is not None}

    def user_column(self, name: str) -> str | None:
        """The data's own column given for ``name`` (None when absent or given as values)."""
        column = getattr(self, name)
        return None if column is None or column.startswith(INTERNAL_PREFIX) else column
