"""Recording like NTU RGB+D 60: set-ups, three Kinect views of one motion, replications.

Facts followed (shared/REFERENCE.md, "NTU RGB+D 60 as a dataset"): 17 set-ups with their
camera heights and distances; three Kinect v2 sensors at the same height, at horizontal
angles -45, 0 and +45 degrees around the performer, recording the same performance at once;
each action performed twice, once towards each side camera, so that the middle camera sees
the two 45-degree views and each side camera one frontal and one side (90-degree) view.

Geometry (world frame W of :mod:`pipeline.synth.scene`: floor y = 0, y up): the performer's
nominal position is the origin; camera ``c`` stands at ``distance`` metres from it at azimuth
:data:`CAMERA_AZIMUTH_DEG` ``[c]`` (0: in front, positive: towards the performer's left when
facing the middle camera), at the set-up's height, turned to look at the performer and tilted
down towards a point :data:`AIM_HEIGHT_M` above the floor. In replication R001 the performer
faces camera C002, in R002 camera C003.

All functions are pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.synth.kinematics import rot_y

#: NTU RGB+D set-ups S001-S017: (camera height m, distance m).
NTU_SETUPS: tuple[tuple[float, float], ...] = (
    (1.7, 3.5), (1.7, 2.5), (1.4, 2.5), (1.2, 3.0), (1.2, 3.0), (0.8, 3.5), (0.5, 4.5), (1.4, 3.5), (0.8, 2.0),
    (1.8, 3.0), (1.9, 3.0), (2.0, 3.0), (2.1, 3.0), (2.2, 3.0), (2.3, 3.5), (2.7, 3.5), (2.5, 3.0),
)
#: Camera number (1-based, C001-C003) -> horizontal angle around the performer, degrees.
CAMERA_AZIMUTH_DEG: dict[int, float] = {1: 0.0, 2: 45.0, 3: -45.0}
#: Replication (1-based, R001-R002) -> the camera the performer faces.
FACED_CAMERA: dict[int, int] = {1: 2, 2: 3}
#: The sensors are aimed at this height above the floor (a standing person's middle).
AIM_HEIGHT_M = 1.0


@dataclass(frozen=True)
class Camera:
    """One Kinect sensor of a set-up (metres, degrees).

    Attributes:
        number: 1-3 (C001-C003); azimuth: angle around the performer (0 = middle camera);
        distance: horizontal distance to the performer's nominal position; height: above
        the floor; tilt: pitch down (+).
    """

    number: int
    azimuth: float
    distance: float
    height: float
    tilt: float


def setup_cameras(setup: int, *, distance_jitter: float = 0.0, height_jitter: float = 0.0) -> list[Camera]:
    """The three cameras of NTU set-up ``setup`` (1-based), optionally moved by the given
    offsets (metres; the same for the three sensors, as a rig moved between sessions)."""
    if not 1 <= setup <= len(NTU_SETUPS):
        raise ValueError(f"set-up {setup} is not one of NTU's 1-{len(NTU_SETUPS)}")
    h, d = NTU_SETUPS[setup - 1]
    h, d = h + height_jitter, d + distance_jitter
    tilt = float(np.degrees(np.arctan2(h - AIM_HEIGHT_M, d)))
    return [Camera(c, CAMERA_AZIMUTH_DEG[c], d, h, tilt) for c in (1, 2, 3)]


def facing_yaw(replication: int) -> float:
    """The performer's facing direction in W for a replication: towards its faced camera
    (degrees about +y; 0 faces the middle camera)."""
    return CAMERA_AZIMUTH_DEG[FACED_CAMERA[replication]]


#: A camera looking along -z turned round: Z towards the performer, X to the sensor's left.
_TURN = np.array([-1.0, 1.0, -1.0])


def _pose(cam: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sensor's position in W, the rotation about +y that turns +z (the middle camera's
    side) to its azimuth, and its tilted Y and Z axes (in the turned frame)."""
    a = np.deg2rad(cam.azimuth)
    pos = np.array([cam.distance * np.sin(a), cam.height, cam.distance * np.cos(a)])
    phi = np.deg2rad(cam.tilt)
    y_axis = np.array([0.0, np.cos(phi), np.sin(phi)])
    z_axis = np.array([0.0, -np.sin(phi), np.cos(phi)])
    return pos, rot_y(np.array([cam.azimuth]))[0], y_axis, z_axis


def world_to_camera(points: np.ndarray, cam: Camera) -> np.ndarray:
    """World points ``(..., 3)`` (W: floor y = 0, the performer's nominal position at the
    origin, the middle camera on +z) -> the Kinect camera frame of ``cam`` ``(..., 3)``:
    origin at the sensor, Y up (tilted), Z towards the performer, X to the sensor's left."""
    pos, yaw, y_axis, z_axis = _pose(cam)
    rel = (points - pos) @ yaw  # in the frame of a camera on +z at this distance, looking along -z
    rel = rel * _TURN  # turn around: Z towards the performer, X to the sensor's left
    return np.stack([rel[..., 0], rel @ y_axis, rel @ z_axis], -1)


def body_to_world(joints: np.ndarray, yaw_deg: float, offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Body-frame joints ``(..., 3)`` (x the subject's left, y up, z forward, floor y = 0)
    -> W, the subject turned to face azimuth ``yaw_deg`` (0: the middle camera on +z) and
    moved by ``offset`` = (x, z) metres."""
    r = rot_y(np.array([yaw_deg]))[0]
    return joints @ r.T + np.array([offset[0], 0.0, offset[1]])


def camera_to_world(points: np.ndarray, cam: Camera) -> np.ndarray:
    """The inverse of :func:`world_to_camera`: Kinect camera-frame points of ``cam``
    ``(..., 3)`` -> W ``(..., 3)``."""
    pos, yaw, y_axis, z_axis = _pose(cam)
    rel = points[..., :1] * np.array([1.0, 0.0, 0.0]) + points[..., 1:2] * y_axis + points[..., 2:3] * z_axis
    return (rel * _TURN) @ yaw.T + pos


def pair_across_view(joints: np.ndarray, jitter_deg: float, replication: int) -> tuple[np.ndarray, float]:
    """A two-person take ``(2, T, 25, 3)`` (the main actor's body frame) set across the
    middle camera's view: the actor faces +90 degrees in R001 and -90 in R002 (plus
    ``jitter_deg``), so that the pair's line runs across the middle camera's axis and at 45
    degrees to the side cameras' (none of the three looks along it), and the joints are moved
    so that the midpoint of the two spine bases, averaged over the take, is the nominal spot.
    Returns (joints, yaw in degrees)."""
    centre = joints[:, :, 0, :].mean(axis=(0, 1))
    centre[1] = 0.0  # the floor stays at y = 0
    return joints - centre, (90.0 if replication == 1 else -90.0) + jitter_deg


#: Nearest depth a Kinect v2 sees (metres).
KINECT_MIN_DEPTH = 0.5


def keep_in_range(world: np.ndarray, setup: int, dist_jitter: float, height_jitter: float) -> float:
    """The take's camera distance jitter, increased where needed so that every joint of
    ``world`` ``(persons, T, 25, 3)`` is at least :data:`KINECT_MIN_DEPTH` in front of all
    three sensors of ``setup`` (the operators step the rig back for a take that would leave
    its range: a pair walking 4 m apart in a 2 m set-up)."""
    for _ in range(8):
        cams = setup_cameras(setup, distance_jitter=dist_jitter, height_jitter=height_jitter)
        nearest = min(float(world_to_camera(world, cam)[..., 2].min()) for cam in cams)
        if nearest >= KINECT_MIN_DEPTH:
            break
        dist_jitter += KINECT_MIN_DEPTH - nearest + 0.05
    return dist_jitter
