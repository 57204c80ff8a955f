"""The schema-change rules of docs/operations.md ("Upgrades with the old and the new release side by side"),
checked on each migration's `upgrade()` as written: what the previous release's code could not survive while
it still serves on the migrated schema. A step the rules forbid passes only with a comment
`# side-by-side: <why it is safe here>` on its line or the line above, which a reviewer then reads.

Migrations up to 0017 were written when an upgrade stopped the service; what they do against the rules is
listed in KNOWN (and explained in docs/operations.md), so the scan is held to real code too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.adapters.database import MIGRATIONS_DIR

BIG_TABLES = {"dossiers", "history_events", "tasks", "stat_spans", "files", "outbox", "jobs", "submissions",
              "access_tokens", "search_audit", "ratings"}
"""Tables that grow with the dossiers: building an index on one blocks its writes for minutes."""
MARKER = "# side-by-side:"

KNOWN = {
    "0003": {"back-fill in one statement", "NOT NULL on an existing column"},
    "0005": {"index on a big table without CONCURRENTLY"},
    "0006": {"default dropped", "index on a big table without CONCURRENTLY"},
    "0008": {"type changed"},  # varchar(8) to varchar(16): widened in place, harmless on PostgreSQL
    "0009": {"back-fill in one statement", "NOT NULL on an existing column"},
    "0010": {"back-fill in one statement", "NOT NULL on an existing column"},
    "0011": {"index on a big table without CONCURRENTLY"},
    "0015": {"index on a big table without CONCURRENTLY"},
}


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def findings(source: str) -> set[str]:
    """What `upgrade()` in this migration's source does that the previous release could not run beside."""
    tree = ast.parse(source)
    upgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade")
    lines = source.splitlines()
    created = {_string(c.args[0]) for c in ast.walk(upgrade) if isinstance(c, ast.Call)
               and isinstance(c.func, ast.Attribute) and c.func.attr == "create_table" and c.args}
    batches = {item.optional_vars.id: _string(item.context_expr.args[0])
               for node in ast.walk(upgrade) if isinstance(node, ast.With) for item in node.items
               if isinstance(item.context_expr, ast.Call) and isinstance(item.optional_vars, ast.Name)
               and isinstance(item.context_expr.func, ast.Attribute)
               and item.context_expr.func.attr == "batch_alter_table" and item.context_expr.args}
    found = set()
    for call in ast.walk(upgrade):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if any(MARKER in lines[n - 1] for n in (call.lineno, call.lineno - 1) if n >= 1):
            continue
        receiver = call.func.value
        in_batch = batches.get(receiver.id) if isinstance(receiver, ast.Name) else None
        found |= _broken_rules(call, call.func.attr, created, in_batch)
    return found


def _broken_rules(call: ast.Call, method: str, created: set[str | None], in_batch: str | None) -> set[str]:
    args = call.args
    if method in ("drop_column", "drop_table", "rename_table"):
        return {"dropped or renamed"}
    if method == "alter_column":
        return ({"dropped or renamed"} if _keyword(call, "new_column_name") is not None else set()) \
            | ({"NOT NULL on an existing column"} if _is(_keyword(call, "nullable"), False) else set()) \
            | ({"type changed"} if _keyword(call, "type_") is not None else set()) \
            | ({"default dropped"} if _is(_keyword(call, "server_default"), None) else set())
    if method == "add_column":
        column = next((a for a in args if isinstance(a, ast.Call)), None)
        if column is not None and _is(_keyword(column, "nullable"), False) \
                and _keyword(column, "server_default") is None:
            return {"NOT NULL column without a default"}
    if method == "create_index":
        table = in_batch or _string(args[1] if len(args) > 1 else _keyword(call, "table_name"))
        if table in BIG_TABLES and table not in created and not _is(_keyword(call, "postgresql_concurrently"), True):
            return {"index on a big table without CONCURRENTLY"}
    if method == "execute" and (_string(args[0]) or "").lstrip().upper().startswith(("UPDATE", "DELETE")):
        return {"back-fill in one statement"}
    return set()


def _migrations() -> list[Path]:
    return sorted((MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", _migrations(), ids=lambda p: p.stem)
def test_each_migration_lets_the_previous_release_serve_on_its_schema(path: Path) -> None:
    revision = path.name[:4]
    assert findings(path.read_text(encoding="utf-8")) == KNOWN.get(revision, set()), (
        "see docs/operations.md, section 7: expand in this release, contract in the next; or say why this step "
        f"is safe with a '{MARKER} …' comment")


BAD = '''
def upgrade():
    op.add_column('dossiers', sa.Column('kind', sa.String(8), nullable=False))
    op.add_column('dossiers', sa.Column('flag', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('sent_back_reason')
        batch.create_index('ix_tasks_x', ['x'])
    op.alter_column('users', 'name', new_column_name='full_name')
    op.execute("UPDATE dossiers SET kind = 'a'")
    op.create_table('notes', sa.Column('id', sa.Integer()))
    op.create_index('ix_notes_id', 'notes', ['id'])
    op.create_index('ix_units_code', 'units', ['code'])
    op.create_index('ix_files_at', 'files', ['at'], postgresql_concurrently=True)
'''


def test_the_scan_finds_each_step_the_old_code_could_not_run_beside() -> None:
    assert findings(BAD) == {"NOT NULL column without a default", "dropped or renamed",
                             "index on a big table without CONCURRENTLY", "back-fill in one statement"}


def test_a_step_said_to_be_safe_passes() -> None:
    said = BAD.replace("    op.execute(", "    # side-by-side: the table is empty until this release\n    op.execute(")
    assert "back-fill in one statement" not in findings(said)
    assert findings("def upgrade():\n    op.drop_column('t', 'c')  # side-by-side: unread since 0018\n") == set()
