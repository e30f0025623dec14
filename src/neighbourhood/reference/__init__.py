"""Reference data loaders: ODS epraccur and ePCN, GP list sizes, CQC care homes, postcodes."""

from neighbourhood.reference.detect import FORMATS, detect_format
from neighbourhood.reference.load import SHIPPED, load_reference, shipped_paths

__all__ = ["FORMATS", "SHIPPED", "detect_format", "load_reference", "shipped_paths"]
