"""The answer-checking worker process (see limits.py): reads {"func", "args"} JSON lines on stdin, calls the
function of engine.py (checking, preview) or recompute.py (a generated question's CAS check), writes {"result"} or
{"error"} lines on stdout. Started by limits.WorkerPool only."""

from __future__ import annotations

import json
import sys


def main() -> None:
    try:
        import resource

        limit = 2 * 1024**3
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except Exception:  # not available on this platform
        pass
    # Numbers are bounded before sympy sees them (limits.MAX_DIGITS) and every call has a time limit, so the
    # interpreter's 4,300-digit guard on int <-> str conversion only turns legal answers (999^1000·999^1000) into
    # errors here.
    sys.set_int_max_str_digits(0)
    import sympy  # noqa: F401  (the first check must not pay the import)

    from tutorassist.learning.cas import engine, recompute

    allowed = {"check_payload": engine.check_payload, "preview_payload": engine.preview_payload,
               "recompute_payload": recompute.recompute_payload}
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            message = json.loads(line)
            reply = {"result": allowed[message["func"]](*message["args"])}
        except MemoryError:
            reply = {"result": None, "error": "MemoryError"}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
