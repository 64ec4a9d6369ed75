"""The synthetic NTU-style action generator (``ciasa data synth``)."""

from pipeline.synth.generate import SynthConfig, generate_synthetic, write_synthetic

__all__ = ["SynthConfig", "generate_synthetic", "write_synthetic"]
