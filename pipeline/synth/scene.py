"""Placing a body-frame sequence in front of a Kinect-like sensor.

World frame W: origin on the floor below the sensor, y up, z along the sensor's
horizontal viewing direction, x to the sensor's left (seen from behind it). The
subject stands at ``(lateral, 0, distance)`` facing the sensor, turned by ``yaw``
degrees (positive: the subject turns to its own left). The sensor sits at ``height``
metres and is pitched down by ``tilt`` degrees. The result is in the Kinect v2
camera frame: origin at the sensor, Y up (tilted with the sensor), Z into the scene,
X to the sensor's left, so a subject facing the sensor has its left shoulder at a
smaller X than its right shoulder (as in NTU RGB+D).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.synth.kinematics import rot_y


@dataclass(frozen=True)
class Placement:
    """Where a sequence is recorded from (metres, degrees)."""

    distance: float  # subject's starting root position along the world z axis
    lateral: float  # subject's starting root position along the world x axis
    yaw: float  # facing direction: 0 = facing the sensor
    height: float  # sensor height above the floor
    tilt: float  # sensor pitch, positive = looking down


def body_to_camera(joints: np.ndarray, place: Placement) -> np.ndarray:
    """Map body-frame joints ``(T, V, 3)`` (floor at y=0, facing +z) to the Kinect camera
    frame ``(T, V, 3)`` in metres."""
    r = rot_y(np.array([180.0 + place.yaw]))[0]  # body forward (+z) -> towards the sensor
    world = joints @ r.T + np.array([place.lateral, 0.0, place.distance])
    rel = world - np.array([0.0, place.height, 0.0])
    phi = np.deg2rad(place.tilt)
    y_axis = np.array([0.0, np.cos(phi), np.sin(phi)])
    z_axis = np.array([0.0, -np.sin(phi), np.cos(phi)])
    return np.stack([rel[..., 0], rel @ y_axis, rel @ z_axis], -1)


def camera_extrinsics(place: Placement) -> np.ndarray:
    """4x4 transform taking world points (floor frame above) to the camera frame."""
    phi = np.deg2rad(place.tilt)
    rot = np.array([[1.0, 0.0, 0.0],
                    [0.0, np.cos(phi), np.sin(phi)],
                    [0.0, -np.sin(phi), np.cos(phi)]])  # fmt: skip
    m = np.eye(4)
    m[:3, :3] = rot
    m[:3, 3] = -rot @ np.array([0.0, place.height, 0.0])
    return m
