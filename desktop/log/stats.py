"""`nextword stats`: how many suggestions you accepted and the keystrokes they saved, by model, from the local log.

SQLite works the figures out, so a year's log is never read into memory: the totals by day, kind and rank
come from the table the log keeps up to date as it is written (desktop/log/log_schema.py, m002), the latency
percentiles from an index of the latencies in order, and the tuned threshold from the newest inline
suggestions. Rows with odd values (a NULL, text in a number column, an outcome this Nextword does not know)
are left out of every figure and counted, and the count is said in words.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import math
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from desktop.log.log_schema import (
    MIGRATIONS,
    MODEL_ID_FROM_DESCRIPTION,
    SHOWN_TO_THE_PERSON,
    TOTALS,
    USABLE_ROW,
    model_of_row,
    open_read_only,
    totals_of,
)
from desktop.log.tuning import recent_inline, threshold_for
from engine.core.model_store import BUNDLED, describe_model, is_version_id

SUGGESTED = ("chip", "inline", "correction")  # shown to the person; an autocorrection is done for them


def read_rows(path: str | Path, since: str | None = None) -> tuple[list[dict], int]:
    """Every suggestion row (oldest first) and the characters typed in their sessions, read-only: for a small
    log in hand (tests). The figures come from read_stats, which never loads every row."""
    connection = open_read_only(path)
    connection.row_factory = sqlite3.Row
    try:
        where, args = ("WHERE shown_at >= ?", [since]) if since else ("", [])
        rows = [dict(row) for row in connection.execute(
            f"SELECT * FROM suggestions {where} ORDER BY shown_at, id", args)]
        typed, _ = _characters_typed(connection, since)
    finally:
        connection.close()
    return rows, typed


def read_stats(path: str | Path, since: str | None = None) -> dict:
    """The figures of the log at `path`, read-only; `since`: only suggestions shown on or after that date
    (YYYY-MM-DD)."""
    connection = open_read_only(path)
    try:
        connection.execute("BEGIN")  # one snapshot: what the editor writes meanwhile is in every figure or in none
        return log_stats(connection, since)
    finally:
        connection.close()


def compute_stats(rows: list[dict], characters_typed: int) -> dict:
    """The figures of suggestion rows in hand (as the log holds them), worked out by the same queries as a log's:
    the rows go into a log in memory made by the log's own migrations."""
    connection = sqlite3.connect(":memory:")
    try:
        _make_log(connection, rows)
        return log_stats(connection, characters_typed=characters_typed)
    finally:
        connection.close()


def _make_log(connection: sqlite3.Connection, rows: list[dict]) -> None:
    from sqlite_utils import Database

    db = Database(connection)
    for migration in MIGRATIONS:
        migration(db)
    columns = set(db["suggestions"].columns_dict)
    for row in rows:  # one at a time: rows in hand are few, and each may hold a different set of columns
        names = [name for name in row if name in columns]
        connection.execute(f"INSERT INTO suggestions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                           [row[name] for name in names])


def log_stats(connection: sqlite3.Connection, since: str | None = None, characters_typed: int | None = None) -> dict:
    """Overall, by kind, by chip rank and by day; keystrokes saved per 100 characters; latency; corrections.
    The overall figures count the suggestions shown; autocorrections have their own (`corrections`)."""
    groups, odd_rows = _groups(connection, since)
    typed, odd_sessions = _characters_typed(connection, since)
    if characters_typed is not None:
        typed = characters_typed
    suggested = [group for group in groups if group[1] in SUGGESTED]
    stats = _rate(suggested)
    saved = stats["keystrokes_saved"]
    stats["keystrokes_saved_per_100_characters"] = (  # of what would have been typed without them
        100 * saved / (typed + saved) if typed + saved else 0.0)
    stats["characters_typed"] = typed
    stats["by_kind"] = _rates_by(groups, lambda group: group[1])
    stats["by_rank"] = {str(rank): rate for rank, rate in _rates_by(
        [group for group in suggested if group[1] != "inline"], lambda group: group[2]).items()}
    stats["by_day"] = _rates_by(suggested, lambda group: group[0])
    stats["by_model"] = _rates_by(suggested, lambda group: group[7], order=_model_order)
    stats["inline_threshold_tuned"] = threshold_for(recent_inline(connection, since))  # None: too few logged
    stats["latency_ms"] = latency_percentiles(connection, since)
    stats["corrections"] = _corrections(groups)
    stats["odd_rows_skipped"] = odd_rows + odd_sessions
    return stats


# A group: (day, kind, rank, shown, accepted, undone, keystrokes_saved, model), of usable rows only
Group = tuple[str, str, int, int, int, int, int, str]


def _groups(connection: sqlite3.Connection, since: str | None) -> tuple[list[Group], int]:
    """The totals by day, kind, rank and model, and how many odd rows were left out of them. From the totals
    table where it holds every row by model; worked out from the rows where it does not (a log that an older
    Nextword made and the editor has not opened since, or one whose rows another program deleted)."""
    source = TOTALS if _totals_are_whole(connection) else f"({totals_of('suggestions', _model_of_row(connection))})"
    where, args = ("WHERE day >= ? OR day = ''", [since]) if since else ("", [])  # '': odd rows that name no day
    groups, odd = [], 0
    for day, kind, rank, model, shown, accepted, undone, saved, odd_rows in connection.execute(
            f"SELECT day, kind, rank, model, shown, accepted, undone, keystrokes_saved, odd FROM {source} {where}",
            args):
        odd += odd_rows
        if shown:  # odd rows only, or a group emptied by an update
            groups.append((day, kind, rank, shown, accepted, undone, saved, model if isinstance(model, str) else ""))
    return groups, odd


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def _model_of_row(connection: sqlite3.Connection) -> str:
    """Each row's model: its session's model_id (m003), or worked out from the session's description where the
    log is older than that."""
    return model_of_row("model_id" if "model_id" in _columns(connection, "sessions") else MODEL_ID_FROM_DESCRIPTION)


def _totals_are_whole(connection: sqlite3.Connection) -> bool:
    """Whether the totals table is there, kept by model, and counts every row (rows are only added, or all
    deleted together)."""
    if "model" not in _columns(connection, TOTALS):
        return False
    counted = connection.execute(f"SELECT COALESCE(SUM(shown + odd), 0) FROM {TOTALS}").fetchone()[0]
    return counted == connection.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0]


def _characters_typed(connection: sqlite3.Connection, since: str | None) -> tuple[int, int]:
    """The characters typed in the sessions started on or after `since`, and how many sessions had an odd count."""
    where, args = ("WHERE started_at >= ?", [since]) if since else ("", [])
    typed, odd = connection.execute(
        "SELECT COALESCE(SUM(CASE WHEN typeof(characters_typed) = 'integer' THEN characters_typed END), 0), "
        f"COALESCE(SUM(typeof(characters_typed) != 'integer'), 0) FROM sessions {where}", args).fetchone()
    return int(typed), int(odd)


def _rate(groups: Iterable[Group]) -> dict:
    shown = accepted = saved = 0
    for group in groups:
        shown, accepted, saved = shown + group[3], accepted + group[4], saved + group[6]
    return {"shown": shown, "accepted": accepted, "acceptance_rate": accepted / shown if shown else 0.0,
            "keystrokes_saved": saved}


def _rates_by(groups: list[Group], key, order=None) -> dict:
    """The rates of the groups with each value of `key`, in order of the values (or of `order(value)`)."""
    keyed: dict = {}
    for group in groups:
        keyed.setdefault(key(group), []).append(group)
    return {value: _rate(keyed[value]) for value in sorted(keyed, key=order)}


def _model_order(model_id: str) -> tuple:
    """The bundled model, the versions learned from the person's writing in order (v2 before v10), folders named
    by hand, then the sessions whose model was not recorded."""
    if model_id == BUNDLED:
        return (0, 0, "")
    if is_version_id(model_id):
        return (1, int(model_id[1:]), "")
    return (2 if model_id else 3, 0, model_id)


def _corrections(groups: list[Group]) -> dict:
    """Corrections offered among the chips and taken; autocorrections made and put back (Backspace, Ctrl+Z)."""
    offered = _rate(group for group in groups if group[1] == "correction")
    made = [group for group in groups if group[1] == "autocorrect"]
    autocorrected, undone = sum(group[3] for group in made), sum(group[5] for group in made)
    return {"offered": offered["shown"], "taken": offered["accepted"], "autocorrected": autocorrected,
            "undone": undone, "kept_rate": (autocorrected - undone) / autocorrected if autocorrected else 0.0}


def latency_percentiles(connection: sqlite3.Connection, since: str | None = None) -> dict:
    """p50 and p95 of the latency of the suggestions shown: nearest rank, as engine.evaluation.metrics.percentile.
    Exact without reading every latency: the log's latency index (m002) holds them in order, and SQLite steps
    to the one at that rank with OFFSET, from whichever end is nearer."""
    # `+shown_at`: not through the index by time, which would have SQLite sort every latency since then
    where = f"{SHOWN_TO_THE_PERSON} AND {USABLE_ROW}" + (" AND +shown_at >= ?" if since else "")
    args = [since] if since else []
    count = connection.execute(f"SELECT COUNT(*) FROM suggestions WHERE {where}", args).fetchone()[0]
    return {name: _latency_at_rank(connection, where, args, count, max(1, math.ceil(q / 100 * count)))
            if count else 0.0 for name, q in (("p50", 50), ("p95", 95))}


def _latency_at_rank(connection: sqlite3.Connection, where: str, args: list, count: int, rank: int) -> float:
    order, offset = ("ASC", rank - 1) if rank - 1 <= count - rank else ("DESC", count - rank)
    return connection.execute(f"SELECT latency_ms FROM suggestions WHERE {where} ORDER BY latency_ms {order} "
                              "LIMIT 1 OFFSET ?", [*args, offset]).fetchone()[0]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula


def spreadsheet_safe(cell):
    """A text cell that a spreadsheet would run as a formula, quoted with a leading ' (OWASP's advice on CSV
    injection); numbers are written as they are (-3 is a number, not a formula)."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def as_csv(stats: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    rows = [["group", "key", "shown", "accepted", "acceptance_rate", "keystrokes_saved"],
            ["overall", "", *(stats[name] for name in ("shown", "accepted", "acceptance_rate", "keystrokes_saved"))]]
    for group in ("by_model", "by_kind", "by_rank", "by_day"):
        for key, value in stats.get(group, {}).items():
            rows.append([group[3:], key, value["shown"], value["accepted"], value["acceptance_rate"],
                         value["keystrokes_saved"]])
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    return out.getvalue()


def describe_corrections(corrections: dict) -> str:
    """In a person's words: what corrections and autocorrect did (empty when neither happened)."""
    parts = []
    if corrections["offered"]:
        parts.append(f"corrections offered in the chips {corrections['offered']}, taken {corrections['taken']}")
    if corrections["autocorrected"]:
        parts.append(f"words autocorrected {corrections['autocorrected']}, put back by you {corrections['undone']} "
                     f"(kept {corrections['kept_rate']:.0%})")
    return "; ".join(parts)


def describe_odd_rows(count: int) -> str:
    """In a person's words: the rows left out of the figures (empty when none were)."""
    if not count:
        return ""
    return f"{count} log row{'s' if count != 1 else ''} with odd values {'were' if count != 1 else 'was'} skipped"


# The log's kinds, as the person knows them (an autocorrection's "acceptance" is being kept, not put back)
KIND_NAMES = {"chip": "chips", "inline": "grey text", "correction": "corrections", "autocorrect": "autocorrect kept"}
ACCEPTED_MEANS = ("Accepted counts the suggestions you took instead of typing the rest of the word: a chip "
                  "clicked or chosen from the keyboard, or the grey text taken. A word you typed out although it "
                  "was offered is not counted. The higher the share accepted and the more keystrokes saved, the "
                  "more the suggestions help.")


def model_label(model_id: str) -> str:
    """A model of the log's sessions as the person knows it (the status bar's name for a model of the store)."""
    if not model_id:
        return "earlier sessions (which model was not recorded)"
    if model_id == BUNDLED or is_version_id(model_id):
        return describe_model(model_id)
    return f"the model in folder {model_id}"


def kind_label(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def describe_rate(rate: dict) -> str:
    """One group's figures in words: "120 shown, 30 accepted (25%), 95 keystrokes saved"."""
    return (f"{rate['shown']:,} shown, {rate['accepted']:,} accepted ({rate['acceptance_rate']:.0%}), "
            f"{rate['keystrokes_saved']:,} keystrokes saved")


def describe_overall(stats: dict) -> str:
    """The whole log in a sentence."""
    return (f"{stats['shown']:,} suggestions shown, {stats['accepted']:,} accepted ({stats['acceptance_rate']:.0%}); "
            f"{stats['keystrokes_saved']:,} keystrokes saved, {stats['keystrokes_saved_per_100_characters']:.1f} "
            "in every 100 characters you would have typed without them")


def describe_by_model(by_model: dict) -> list[str]:
    """A line per model, so the person sees whether a model learned from their writing helps in real use."""
    return [f"{model_label(model)}: {describe_rate(rate)}" for model, rate in by_model.items()]


def describe_speed(latency: dict) -> str:
    """How soon suggestions followed a keystroke, in words (the latency's median and 95th percentile)."""
    def ms(value: float) -> str:
        return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"

    return (f"Suggestions appeared within {ms(latency['p50'])} of a keystroke half the time, and within "
            f"{ms(latency['p95'])} 95 times in 100")


def as_table(stats: dict) -> str:
    lines = [describe_overall(stats), ACCEPTED_MEANS]
    if stats["shown"]:
        lines.append(describe_speed(stats["latency_ms"]))
    sections = [("By model", [(model_label(model), rate) for model, rate in stats.get("by_model", {}).items()]),
                ("By kind", [(kind_label(kind), rate) for kind, rate in stats["by_kind"].items()
                             if kind != "autocorrect"]),  # never shown, only done: said with the corrections
                ("By chip (1 is the first, the likeliest word)",
                 [(f"chip {int(rank) + 1}", rate) for rank, rate in stats["by_rank"].items()]),
                ("By day", list(stats["by_day"].items()))]
    for title, rows in sections:
        if rows:
            lines.append(f"{title}:")
            lines += [f"  {label}: {describe_rate(rate)}" for label, rate in rows]
    lines += [line for line in (describe_corrections(stats["corrections"]),
                                describe_odd_rows(stats.get("odd_rows_skipped", 0))) if line]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from desktop.log.events import LOG_FILE
    from engine.core.paths import user_data_dir

    parser = argparse.ArgumentParser(prog="nextword stats", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help=f"the log (default: {LOG_FILE} in NEXTWORD_HOME or the user's data folder)")
    parser.add_argument("--since", help="only suggestions shown on or after this date (YYYY-MM-DD)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--csv", action="store_true",
                        help="print CSV rows: overall, by model, by kind, by rank, by day")
    args = parser.parse_args(argv)
    if args.since:
        try:
            args.since = datetime.date.fromisoformat(args.since).isoformat()
        except ValueError:
            print(f"nextword stats: --since {args.since!r}: give a date as YYYY-MM-DD", file=sys.stderr)
            return 2
    path = Path(args.db) if args.db else user_data_dir() / LOG_FILE
    if not path.is_file():
        print(f"nextword stats: {path}: no log yet; type in `nextword app` first (or pass --db)", file=sys.stderr)
        return 2
    try:
        stats = read_stats(path, args.since)
    except sqlite3.DatabaseError as error:
        print(f"nextword stats: {path}: not a readable Nextword log ({error})", file=sys.stderr)
        return 2
    print(json.dumps(stats, indent=2) if args.json else as_csv(stats) if args.csv else as_table(stats))
    odd = describe_odd_rows(stats["odd_rows_skipped"])
    if odd and args.csv:  # said beside the CSV, which stays rows of figures only
        print(f"nextword stats: {odd}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
