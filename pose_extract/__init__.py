"""Monocular 3D pose extraction from videos and conversion to NTU-25 in the camera
frame (issue: pose extraction). mediapipe is imported only inside the extractor."""
