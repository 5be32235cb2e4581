"""Lists the French messages of the application (every literal passed to tr() or N_()), and the ones the
English catalogue lacks. `python scripts/messages.py --missing` prints a JSON object to fill in."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "portfolio"
CATALOGUE = SOURCE / "domain" / "locale" / "en.json"


def messages() -> dict[str, str]:
    """Every translatable message, with the first place it appears."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            # tr() and N_() everywhere; field("label", ...) and __label__ = "..." in the models
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tr", "N_", "field")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and (node.func.id != "field" or path.name == "models.py")):
                found.setdefault(node.args[0].value, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
            is_label = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__label__" for t in node.targets)
            if is_label and isinstance(node.value, ast.Constant):
                found.setdefault(node.value.value, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    return found


def missing() -> dict[str, str]:
    catalogue = json.loads(CATALOGUE.read_text("utf-8"))
    return {m: where for m, where in messages().items() if m not in catalogue}


if __name__ == "__main__":
    if "--missing" in sys.argv:
        print(json.dumps({m: "" for m in missing()}, ensure_ascii=False, indent=1))
    else:
        for message, where in messages().items():
            print(f"{where}\t{message}")
