#!/usr/bin/env python3
"""Regenerate audio_fixtures/ and its manifest.json with espeak-ng and sox.

Every fixture is real synthesized speech with known properties: the speaking
rate given to espeak-ng, a pitch shift applied by sox (in cents), a gain in dB,
and silences of exact length inserted before or inside the reply. A faint
noise floor (-66 dBFS) is mixed in so that "silence" looks like a real room.
sox runs in repeatable mode (-R) so the files are byte-identical across runs.

    python scripts/make_fixtures.py [OUT_DIR]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RATE_HZ = 16000
VOICE = "en-us"
BASE_WPM = 120
PEAK_DB = -12.0  # normalise speech to this peak so +8 dB of gain never clips
NOISE_VOL = 0.0005  # ~ -66 dBFS

CALM = (
    "Mister Hughes, I can hear how frustrating it is to come back a third time "
    "for the wrong part. Let me check the part number against your car right now."
)
READING = (
    "The north wind and the sun were disputing which was the stronger, when a "
    "traveller came along wrapped in a warm cloak."
)
SHORT = "I understand. Let me look into that for you."
SECOND = "I will call you back before five today with the answer."
LONG = (
    "Thank you for waiting, Missus Patel. Your parcel was promised for Tuesday and it "
    "still has not arrived, and I understand how annoying that is. It is at the local "
    "depot. I will book a delivery for tomorrow morning and text you the time slot. "
    "Does that work for you?"
)
REPEAT = ", ".join(["I understand"] * 11) + "."
FILLERS = "Um, I, uh, I think, um, we can look at that, uh, today."
# The demo's two runs against angry-eddie: replies that work whatever his mood.
DEMO_GOOD = [
    "I'm so sorry, Mr Morales. Three trips for one part would drive anyone up the wall. So the alternator "
    "you were sold still won't bolt onto your truck. Let me check the part number against your truck right now.",
    "I hear you, and I apologize. Let me put your old alternator next to this one and compare the brackets "
    "myself, right now. We will get this sorted today.",
    "Thank you for bearing with me, Mr Morales. I found the problem: the rack was mislabelled. I'll fetch the "
    "right alternator from the back and walk out to your truck with you to check it fits.",
    "You won't be charged again, I promise. I apologize for the trouble, and I'll make sure the rack is fixed "
    "so this doesn't happen to anyone else.",
    "Of course, Mr Morales. Let me carry it out to your truck now, and I'll stay with you until it's bolted on.",
]
DEMO_POOR = [
    "That's not true, you must have given us the wrong engine size. It's not my fault.",
    "Look, calm down. The guys on the rack messed it up, not me. There's nothing I can do.",
]


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def speak(text: str, out: Path, *, wpm: int = BASE_WPM, cents: int = 0, gain_db: float = 0.0) -> list[str]:
    """espeak-ng -> 16 kHz mono, trimmed to the speech, normalised, shifted, gained."""
    raw = out.with_suffix(".raw.wav")
    espeak = ["espeak-ng", "-v", VOICE, "-s", str(wpm), "-w", str(raw), text]
    run(*espeak)
    effects = ["rate", "-v", str(RATE_HZ), "channels", "1",
               # trim espeak's own lead/tail silence at -50 dBFS so the padding we add is exact
               "silence", "1", "0.005", "-50d", "reverse", "silence", "1", "0.005", "-50d", "reverse",
               "gain", "-n", str(PEAK_DB)]
    if cents:
        effects += ["pitch", str(cents)]
    if gain_db:
        effects += ["gain", str(gain_db)]
    sox = ["sox", "-R", str(raw), "-b", "16", str(out), *effects]
    run(*sox)
    raw.unlink()
    return [" ".join(espeak[:-1]) + ' "<text>"', " ".join(sox)]


def silence(seconds: float, out: Path) -> None:
    run("sox", "-R", "-n", "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(out), "trim", "0", f"{seconds}")


def assemble(parts: list[Path], out: Path) -> None:
    joined = out.with_suffix(".joined.wav")
    run("sox", "-R", *map(str, parts), str(joined))
    dur = float(subprocess.run(["soxi", "-D", str(joined)], check=True, capture_output=True, text=True).stdout)
    noise = out.with_suffix(".noise.wav")
    run("sox", "-R", "-n", "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(noise),
        "synth", f"{dur}", "whitenoise", "vol", str(NOISE_VOL))
    run("sox", "-R", "-m", "-v", "1", str(joined), "-v", "1", str(noise), "-b", "16", str(out))
    joined.unlink()
    noise.unlink()


def build(out_dir: Path) -> list[dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    entries: list[dict] = []

    def reply(name: str, segments: list[tuple[str, dict]], *, lead_s: float, gaps_s: list[float] | None = None,
              tail_s: float = 0.6, prop: str, text: str | None = None, click_at_s: float | None = None, **known: object) -> None:
        parts, made = [], []
        pad = work / f"{name}.lead.wav"
        silence(lead_s, pad)
        parts.append(pad)
        gaps = gaps_s or []
        for i, (segment_text, opts) in enumerate(segments):
            seg = work / f"{name}.{i}.wav"
            made += speak(segment_text, seg, **opts)
            parts.append(seg)
            if i < len(gaps):
                gap = work / f"{name}.gap{i}.wav"
                silence(gaps[i], gap)
                parts.append(gap)
        tail = work / f"{name}.tail.wav"
        silence(tail_s, tail)
        parts.append(tail)
        if click_at_s is not None:
            # replace the lead with: silence, a 5 ms full click, silence
            before, click, after = work / "c1.wav", work / "c2.wav", work / "c3.wav"
            silence(click_at_s, before)
            run("sox", "-R", "-n", "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(click), "synth", "0.005", "square", "300", "vol", "0.5")
            silence(lead_s - click_at_s - 0.005, after)
            parts[0:1] = [before, click, after]
            made.append("click: sox synth 0.005 square 300 vol 0.5")
        assemble(parts, out_dir / f"{name}.wav")
        speech_segments = [dict(text=t, **o) for t, o in segments]
        entries.append({
            "file": f"{name}.wav", "sample_rate": RATE_HZ, "voice": VOICE,
            "text": text if text is not None else " ".join(t for t, _ in segments),
            "property": prop, "leading_silence_s": lead_s, "inserted_pauses_s": gaps,
            "segments": speech_segments, "made_with": made, **known,
        })

    reply("calm_reply", [(CALM, {})], lead_s=1.0, prop="calm reference reply after a 1.0 s pause",
          rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    reply("baseline_reading", [(READING, {})], lead_s=0.5, prop="neutral calibration reading, same voice",
          rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    for lead in (0.3, 1.2, 3.5):
        reply(f"pause_{str(lead).replace('.', '_')}", [(SHORT, {})], lead_s=lead,
              prop=f"reply pause of exactly {lead} s", rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    reply("slow_reply", [(CALM, {"wpm": 90})], lead_s=1.0, prop="slow speech (espeak 90 wpm)", rate_wpm=90, pitch_shift_st=0, gain_db=0)
    reply("fast_reply", [(CALM, {"wpm": 200})], lead_s=1.0, prop="rushed speech (espeak 200 wpm)", rate_wpm=200, pitch_shift_st=0, gain_db=0)
    reply("pitch_up_2st", [(CALM, {"cents": 200})], lead_s=1.0, prop="voice 2 semitones above baseline", rate_wpm=BASE_WPM, pitch_shift_st=2, gain_db=0)
    reply("pitch_up_5st", [(CALM, {"cents": 500})], lead_s=1.0, prop="voice 5 semitones above baseline (raised)", rate_wpm=BASE_WPM, pitch_shift_st=5, gain_db=0)
    reply("loud_reply", [(CALM, {"gain_db": 9})], lead_s=1.0, prop="voice 9 dB louder than baseline", rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=9)
    reply("quiet_reply", [(CALM, {"gain_db": -4})], lead_s=1.0, prop="voice 4 dB quieter than baseline", rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=-4)
    reply("agitated_reply", [(CALM, {"wpm": 200, "cents": 500, "gain_db": 9})], lead_s=0.2,
          prop="agitated: rushed, raised pitch, loud, instant reply", rate_wpm=200, pitch_shift_st=5, gain_db=9)
    reply("mid_pause_reply", [(SHORT, {}), (SECOND, {})], lead_s=0.8, gaps_s=[1.0],
          prop="a 1.0 s pause inside the reply", rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    reply("dead_air_reply", [(SHORT, {}), (SECOND, {})], lead_s=0.8, gaps_s=[3.2],
          prop="a 3.2 s dead silence inside the reply", rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    reply("click_then_speech", [(SHORT, {})], lead_s=1.5, click_at_s=0.3,
          prop="a click at 0.3 s is not speech; speech starts at 1.5 s", rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    reply("fillers_reply", [(FILLERS, {})], lead_s=0.8, prop="vocal fillers (um, uh) spoken",
          rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0, fillers=4)
    reply("long_reply_15s", [(LONG, {"wpm": 185})], lead_s=0.9, prop="a ~15 s reply for benchmarks",
          rate_wpm=185, pitch_shift_st=0, gain_db=0)
    reply("repetitive_reply", [(REPEAT, {"wpm": 140})], lead_s=0.9, prop="a reply that repeats itself (decoding-time trap)",
          rate_wpm=140, pitch_shift_st=0, gain_db=0)

    for i, text in enumerate(DEMO_GOOD, 1):
        reply(f"demo_good_{i}", [(text, {})], lead_s=1.0, prop="demo: a calm, well-built reply to angry-eddie",
              rate_wpm=BASE_WPM, pitch_shift_st=0, gain_db=0)
    for i, text in enumerate(DEMO_POOR, 1):
        reply(f"demo_poor_{i}", [(text, {"wpm": 200, "cents": 500, "gain_db": 9})], lead_s=0.2,
              prop="demo: a defensive, agitated reply to angry-eddie", rate_wpm=200, pitch_shift_st=5, gain_db=9)

    # No speech at all: a quiet room, and a loud hiss.
    quiet = out_dir / "silence.wav"
    run("sox", "-R", "-n", "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(quiet), "synth", "5", "whitenoise", "vol", str(NOISE_VOL))
    entries.append({"file": "silence.wav", "sample_rate": RATE_HZ, "text": "", "property": "5 s of room silence, no speech",
                    "made_with": ["sox -n synth 5 whitenoise vol 0.0005"]})
    hiss = out_dir / "noise.wav"
    run("sox", "-R", "-n", "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(hiss), "synth", "5", "pinknoise", "vol", "0.05")
    entries.append({"file": "noise.wav", "sample_rate": RATE_HZ, "text": "", "property": "5 s of pink noise at about -30 dBFS, no speech",
                    "made_with": ["sox -n synth 5 pinknoise vol 0.05"]})
    shutil.rmtree(work)
    return entries


def main() -> int:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "audio_fixtures"
    entries = build(out_dir)
    for entry in entries:
        entry["duration_s"] = float(subprocess.run(["soxi", "-D", str(out_dir / entry["file"])], check=True, capture_output=True, text=True).stdout)
    manifest = {"generator": "scripts/make_fixtures.py", "tools": {
        "espeak-ng": subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip(),
        "sox": subprocess.run(["sox", "--version"], capture_output=True, text=True).stdout.strip()}, "files": entries}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(entries)} fixtures to {out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
