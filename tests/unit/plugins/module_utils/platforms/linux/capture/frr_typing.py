"""What the FRR apply helpers of the capture scripts share (redist_apply.py, split_apply.py): vtysh on the
namespace's socket (env VTY), and typing a delta twice: the first delta is typed, the second must be empty."""
import os
import subprocess
import sys


def vtysh(*args):
    return subprocess.run(["vtysh", "--vty_socket", os.environ["VTY"]] + list(args), capture_output=True, text=True,
                          check=True).stdout


def type_until_idempotent(delta, plan, out):
    """Type delta(plan)'s commands with vtysh (kept in OUT/delta_first.txt), then compute it again: it must be
    empty (kept in OUT/delta_second.txt), else exit naming what is left."""
    first = delta(plan)
    assert first["error"] is None, first["error"]
    (out / "delta_first.txt").write_text("\n".join(first["commands"]) + "\n")
    path = out / ".delta.conf"
    path.write_text("\n".join(first["commands"]) + "\n")
    vtysh("-f", str(path))
    path.unlink()
    second = delta(plan)
    (out / "delta_second.txt").write_text("\n".join(second["commands"]) + ("\n" if second["commands"] else ""))
    if second["commands"] or second["error"]:
        sys.exit("not idempotent: %r" % (second,))
