"""`nextword models`: the models learned from your writing, and which one is in use.

    nextword models [--json]        list them with what each measured before and after
    nextword models use ID          make one active (ID from the list, or "bundled")
    nextword models revert          back to the model in use before the active one
    nextword models forget          every user model, the kept text and the personal cache removed
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.core.console import say
from engine.core.kept_text import forget_kept_text
from engine.core.model_store import BUNDLED, ModelStore, ModelStoreError, StoredModel
from engine.runtime.personal_cache import PersonalCache
from engine.runtime.personal_cache import default_path as personal_cache_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword models", description=__doc__.splitlines()[0])
    parser.add_argument("action", nargs="?", default="list", choices=["list", "use", "revert", "forget"],
                        help="list (default), use ID, revert, or forget")
    parser.add_argument("id", nargs="?", help=f"with use: the model to make active (a version, or {BUNDLED})")
    parser.add_argument("--json", action="store_true", help="with list: print one JSON object")
    return parser


def describe(model: StoredModel) -> dict:
    record = model.record
    return {"id": model.id, "active": model.active, "path": str(model.path),
            "created": record.get("created", ""), "base": record.get("base", ""),
            "sources": record.get("sources", []), "before": record.get("before"), "after": record.get("after"),
            "minutes": record.get("minutes")}


def _figure(metrics: dict | None, part: str) -> str:
    value = (metrics or {}).get(part, {}).get("ksr")
    return "-" if value is None else f"{value:.3f}"


def format_table(models: list[StoredModel]) -> str:
    lines = [f"  {'id':<9}{'created':<22}{'your KSR':>18}{'general KSR':>18}  learned from"]
    for model in models:
        item = describe(model)
        mark = "*" if model.active else " "
        yours = general = ""
        if item["after"]:
            yours = f"{_figure(item['before'], 'user')} -> {_figure(item['after'], 'user')}"
            general = f"{_figure(item['before'], 'general')} -> {_figure(item['after'], 'general')}"
        sources = ", ".join(item["sources"][:3]) + (" …" if len(item["sources"]) > 3 else "")
        what = sources or ("chitchat (shipped with Nextword)" if model.id == BUNDLED else "")
        lines.append(f"{mark} {model.id:<9}{item['created'][:19]:<22}{yours:>18}{general:>18}  {what}")
    lines.append("* the active model (KSR: keystroke savings, before -> after fine-tuning)")
    return "\n".join(lines)


def forget_everything(store: ModelStore) -> None:
    """User models, the text kept for learning and the personal cache: back to the bundled model."""
    store.forget()
    forget_kept_text()
    cache = PersonalCache(personal_cache_path())
    cache.forget()  # written as forgotten, with its time, so that an editor still open forgets it too
    cache.save()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    store = ModelStore()
    try:
        if args.action == "list":
            models = store.models()
            # File names (a model's path, what it learned from) may be any bytes: say() never fails on them.
            say(json.dumps([describe(m) for m in models], indent=2) if args.json else format_table(models))
        elif args.action == "use":
            if not args.id:
                say(f"nextword models use: which one? give an id from `nextword models` (or {BUNDLED})", sys.stderr)
                return 2
            say(f"now using {store.use(args.id).id}")
        elif args.action == "revert":
            say(f"now using {store.revert().id}")
        else:
            forget_everything(store)
            say(f"forgot every model learned from your writing, the kept text and the personal cache; now using "
                f"{BUNDLED}")
    except (ModelStoreError, OSError) as error:
        say(f"nextword models: {error}", sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
