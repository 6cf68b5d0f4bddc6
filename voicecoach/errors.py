"""One exception family. Every message says what the user can do about it."""


class VoiceCoachError(Exception):
    """Base of every error voicecoach reports to the user (one line, non-zero exit)."""

    exit_code = 1


class AudioError(VoiceCoachError):
    """An audio file or buffer cannot be used (missing, corrupt, too long, empty)."""

    exit_code = 3


class DeviceError(VoiceCoachError):
    """An audio device is missing, busy or vanished."""

    exit_code = 4


class ModelError(VoiceCoachError):
    """The speech model is missing, corrupt or cannot be loaded."""

    exit_code = 5


class PersonaError(VoiceCoachError):
    """A persona file is malformed or unknown."""

    exit_code = 6


class RulesError(VoiceCoachError):
    """A thresholds or house-rules file is malformed."""

    exit_code = 7


class StoreError(VoiceCoachError):
    """Sessions cannot be read or written (disk full, permissions, corrupt index)."""

    exit_code = 8
