#!/usr/bin/env bash
# Virtual audio devices for the live tests and benchmarks: a PulseAudio daemon with
# two null sinks. voicecoach plays the customer to "speaker" and records the
# default source "mic.monitor"; a test plays the trainee into "mic".
# Idempotent: reuses a running daemon and existing sinks.
set -eu
if ! pactl info >/dev/null 2>&1; then
  pulseaudio -D --exit-idle-time=-1 --disallow-exit -n --load=module-native-protocol-unix 2>/dev/null || true
  for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
  pactl info >/dev/null 2>&1 || { echo "pulse-devices: PulseAudio did not start (apt-get install pulseaudio)" >&2; exit 1; }
fi
for sink in speaker mic; do
  pactl list short sinks | awk '{print $2}' | grep -qx "$sink" ||
    pactl load-module module-null-sink "sink_name=$sink" rate=48000 "sink_properties=device.description=voicecoach-$sink" >/dev/null
done
pactl set-default-sink speaker
pactl set-default-source mic.monitor
