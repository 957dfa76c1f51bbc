"""`nextword stats`: acceptance rate, keystrokes saved and latency from the local acceptance log."""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import sqlite3
import sys
from pathlib import Path

from desktop.tuning import tune_inline_threshold
from engine.evaluation.metrics import percentile


def read_rows(path: str | Path, since: str | None = None) -> tuple[list[dict], int]:
    """The suggestion rows (oldest first) and the characters typed in their sessions, read-only."""
    connection = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        where, args = ("WHERE shown_at >= ?", [since]) if since else ("", [])
        rows = [dict(row) for row in connection.execute(
            f"SELECT * FROM suggestions {where} ORDER BY shown_at, id", args)]
        session_where = "WHERE started_at >= ?" if since else ""
        typed = connection.execute(f"SELECT COALESCE(SUM(characters_typed), 0) FROM sessions {session_where}",
                                   args).fetchone()[0]
    finally:
        connection.close()
    return rows, int(typed)


def _rate(rows: list[dict]) -> dict:
    accepted = sum(row["outcome"] == "accepted" for row in rows)
    return {"shown": len(rows), "accepted": accepted, "acceptance_rate": accepted / len(rows) if rows else 0.0,
            "keystrokes_saved": sum(row["keystrokes_saved"] for row in rows)}


SUGGESTED = ("chip", "inline", "correction")  # shown to the person; an autocorrection is done for them


def _corrections(rows: list[dict]) -> dict:
    """Corrections offered among the chips and taken; autocorrections made and put back (Backspace, Ctrl+Z)."""
    offered = [row for row in rows if row["kind"] == "correction"]
    made = [row for row in rows if row["kind"] == "autocorrect"]
    undone = sum(row["outcome"] == "undone" for row in made)
    return {"offered": len(offered), "taken": sum(row["outcome"] == "accepted" for row in offered),
            "autocorrected": len(made), "undone": undone,
            "kept_rate": (len(made) - undone) / len(made) if made else 0.0}


def compute_stats(all_rows: list[dict], characters_typed: int) -> dict:
    """Overall, by kind, by chip rank and by day; keystrokes saved per 100 characters; latency; corrections.
    The overall figures count the suggestions shown; autocorrections have their own (`corrections`)."""
    rows = [row for row in all_rows if row["kind"] in SUGGESTED]
    stats = _rate(rows)
    stats["keystrokes_saved_per_100_characters"] = (
        100 * stats["keystrokes_saved"] / (characters_typed + stats["keystrokes_saved"])
        if characters_typed + stats["keystrokes_saved"] else 0.0)  # of what would have been typed without them
    stats["characters_typed"] = characters_typed
    stats["by_kind"] = {kind: _rate([r for r in all_rows if r["kind"] == kind])
                        for kind in sorted({row["kind"] for row in all_rows})}
    chips = [row for row in rows if row["kind"] != "inline"]
    stats["by_rank"] = {str(rank): _rate([r for r in chips if r["rank"] == rank])
                        for rank in sorted({row["rank"] for row in chips})}
    stats["by_day"] = {day: _rate([r for r in rows if r["shown_at"][:10] == day])
                       for day in sorted({row["shown_at"][:10] for row in rows})}
    stats["inline_threshold_tuned"] = tune_inline_threshold(rows)  # None: too few inline suggestions logged
    latencies = [row["latency_ms"] for row in rows]
    stats["latency_ms"] = {"p50": percentile(latencies, 50) if latencies else 0.0,
                           "p95": percentile(latencies, 95) if latencies else 0.0}
    stats["corrections"] = _corrections(all_rows)
    return stats


def as_csv(stats: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "key", "shown", "accepted", "acceptance_rate", "keystrokes_saved"])
    writer.writerow(["overall", "", *(stats[name] for name in ("shown", "accepted", "acceptance_rate",
                                                               "keystrokes_saved"))])
    for group in ("by_kind", "by_rank", "by_day"):
        for key, value in stats[group].items():
            writer.writerow([group[3:], key, value["shown"], value["accepted"], value["acceptance_rate"],
                             value["keystrokes_saved"]])
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


def as_table(stats: dict) -> str:
    lines = [f"suggestions shown {stats['shown']}, accepted {stats['accepted']} "
             f"({stats['acceptance_rate']:.1%}); keystrokes saved {stats['keystrokes_saved']} "
             f"({stats['keystrokes_saved_per_100_characters']:.1f} per 100 characters)",
             f"latency p50 {stats['latency_ms']['p50']:.1f} ms, p95 {stats['latency_ms']['p95']:.1f} ms"]
    for group, title in (("by_kind", "kind"), ("by_rank", "chip rank (0 = best)"), ("by_day", "day")):
        for key, value in stats[group].items():
            lines.append(f"  {title} {key}: {value['accepted']}/{value['shown']} ({value['acceptance_rate']:.1%}), "
                         f"{value['keystrokes_saved']} keystrokes saved")
    corrections = describe_corrections(stats["corrections"])
    if corrections:
        lines.append(corrections)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from desktop.events import LOG_FILE
    from engine.core.paths import user_data_dir

    parser = argparse.ArgumentParser(prog="nextword stats", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help=f"the log (default: {LOG_FILE} in NEXTWORD_HOME or the user's data folder)")
    parser.add_argument("--since", help="only suggestions shown on or after this date (YYYY-MM-DD)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--csv", action="store_true", help="print CSV rows: overall, by kind, by rank, by day")
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
        rows, typed = read_rows(path, args.since)
    except sqlite3.DatabaseError as error:
        print(f"nextword stats: {path}: not a readable Nextword log ({error})", file=sys.stderr)
        return 2
    stats = compute_stats(rows, typed)
    print(json.dumps(stats, indent=2) if args.json else as_csv(stats) if args.csv else as_table(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
