# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint clean data kjv styles

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 2>/dev/null || true
	$(BIN)/pip install --quiet -e '.[train,dev]'
	touch $(STAMP)

install: $(STAMP)

# Opens the editor on the bundled model (`nextword app`).
run: $(STAMP)
	$(BIN)/nextword app

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check engine export desktop tests bench

# The chitchat splits as shared/PROTOCOL.md defines them, for `nextword eval`.
data: $(STAMP)
	$(BIN)/python -c "from engine.core.corpus import write_chitchat_splits; print(write_chitchat_splits('data'))"

# A person's writing of another style, for bench/personalize.py: the King James Bible (public domain),
# Genesis 1:1 to Numbers 4:49, one verse per line, from Debian's bible-kjv packages (unpacked, not installed).
kjv:
	mkdir -p data/bible-kjv && cd data/bible-kjv && apt-get download bible-kjv bible-kjv-text && \
		for deb in *.deb; do dpkg -x $$deb root; done
	data/bible-kjv/root/usr/bin/bible -d data/bible-kjv/root/usr/lib/bible.data -f gen1:1-num4:49 \
		| cut -d' ' -f2- > data/kjv.txt
	wc -lw data/kjv.txt

# Held-out texts of other styles for docs/models.md, never trained on: the four gospels (KJV, from the
# packages `make kjv` unpacks) and Python's own docstrings (bench/docstrings.py).
styles: kjv
	data/bible-kjv/root/usr/bin/bible -d data/bible-kjv/root/usr/lib/bible.data -f mat1:1-joh21:25 \
		| cut -d' ' -f2- > data/gospels.txt
	$(BIN)/python bench/docstrings.py --out data/pydoc.txt
	wc -lw data/gospels.txt data/pydoc.txt

clean:
	rm -rf $(VENV) .pytest_cache
