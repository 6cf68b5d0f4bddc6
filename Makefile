# voicecoach: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# espeak-ng: the customer's voice and the test fixtures; libportaudio2: live audio;
# sox/ffmpeg: fixture generation and odd audio containers; pulseaudio: the virtual
# devices the live tests play into (libasound2-plugins routes PortAudio's ALSA
# "default" device to it); libsndfile1: audio decoding; chromium/chromium-driver:
# the report tests load the HTML report in a headless browser.
APT_PACKAGES := espeak-ng libportaudio2 libsndfile1 sox libsox-fmt-all ffmpeg pulseaudio pulseaudio-utils libasound2-plugins chromium chromium-driver

.PHONY: setup system demo test bench fixtures clean

setup: system $(VENV)/.installed

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing system packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
	  else \
	    echo "voicecoach needs these system packages; run this, then make again:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

demo: setup
	$(BIN)/voicecoach demo

test: setup
	scripts/pulse-devices.sh
	$(BIN)/python -m pytest -q --durations=15

bench: setup
	scripts/pulse-devices.sh
	$(BIN)/voicecoach bench

fixtures: setup
	$(BIN)/python scripts/make_fixtures.py

clean:
	rm -rf $(VENV) .pytest_cache
