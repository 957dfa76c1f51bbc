# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint clean data kjv styles dictionary words

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

# The English dictionary in resources/dictionary (engine/core/dictionary.py; sources and licenses in its
# SOURCES.md): SymSpell's word frequencies and codespell's misspellings from PyPI, SCOWL's large list from Debian.
dictionary: $(STAMP)
	rm -rf build/dictionary && mkdir -p build/dictionary/deb
	$(BIN)/pip download --quiet --no-deps --dest build/dictionary symspellpy==6.10.1 codespell==2.4.3
	cd build/dictionary && for wheel in *.whl; do unzip -qo $$wheel; done
	cd build/dictionary/deb && apt-get download wamerican-large && dpkg -x wamerican-large_*.deb root
	$(BIN)/python -m engine.core.dictionary build/dictionary/symspellpy/frequency_dictionary_en_82_765.txt \
		build/dictionary/deb/root/usr/share/dict/american-english-large \
		build/dictionary/codespell_lib/data/dictionary.txt build/dictionary/codespell_lib/data/dictionary_informal.txt

# Valid words the dictionary may lack, for bench/typos.py's clean cases: SCOWL's huge American list (Debian).
words:
	mkdir -p data/wamerican && cd data/wamerican && apt-get download wamerican-huge && \
		for deb in *.deb; do dpkg -x $$deb root; done

clean:
	rm -rf $(VENV) .pytest_cache
