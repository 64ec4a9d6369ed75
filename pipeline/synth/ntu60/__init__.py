"""The NTU-60-like synthetic world: all 60 NTU RGB+D classes as motion programs (one module
per family of classes), recorded like NTU (:mod:`pipeline.synth.recording`) and observed like
a Kinect v2 (:mod:`pipeline.synth.kinect_noise`)."""
