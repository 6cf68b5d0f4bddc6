"""voicecoach: offline, voice-based role-play trainer for call-centre staff.

Heavy dependencies (faster-whisper, numpy, sounddevice) are imported only by the
modules that need them, so `import voicecoach` and `voicecoach --help` stay fast.
"""

__version__ = "0.1.0"
