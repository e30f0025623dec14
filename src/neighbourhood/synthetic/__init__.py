"""Synthetic population generator: made-up patients at the real practices of one ICB.

`generate(out_dir, patients=..., seed=...)` writes every loadable table of the data model in
the loader's file contract, plus manifest.json (marked synthetic) and README.txt.
"""

from neighbourhood.synthetic.footprint import DEFAULT_ICB
from neighbourhood.synthetic.generate import REFERENCE_DATE, SynthesisResult, generate
from neighbourhood.synthetic.population import Population

__all__ = ["DEFAULT_ICB", "REFERENCE_DATE", "Population", "SynthesisResult", "generate"]
