#!/usr/bin/env python3
"""tests/sh/repl.py: drives the dmhost REPL through a pseudo-terminal, as a person would:
expressions, pretty-printed tables (sorted keys, cycles), multi-line input, HTTP at the
prompt, errors, Ctrl-C interrupting a sleeping line and a busy loop, Ctrl-D to exit.
usage: repl.py DMHOST BASE_URL [--helpers]
With --helpers it checks the diver helpers instead (profile/explain/rating/site; BASE_URL is
a page server serving tests/fixtures/profiles, given to the REPL as DM_DIVEMEETS_URL)."""
import os, pty, select, sys, time

dmhost, base = sys.argv[1], sys.argv[2]
helpers_mode = len(sys.argv) > 3 and sys.argv[3] == "--helpers"
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = os.environ.get("TMPDIR", "/tmp")
    os.environ["TERM"] = "dumb"
    if helpers_mode:
        os.environ["DM_DIVEMEETS_URL"] = base
    os.execv(dmhost, [dmhost])

buf = b""
def read_until(pattern, timeout=10.0):
    global buf
    end = time.time() + timeout
    while pattern.encode() not in buf:
        left = end - time.time()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {pattern!r}; got:\n{buf.decode(errors='replace')}")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"REPL exited waiting for {pattern!r}:\n{buf.decode(errors='replace')}")
            buf += chunk
    i = buf.index(pattern.encode()) + len(pattern)
    seen, buf = buf[:i], buf[i:]
    return seen.decode(errors="replace")

def send(s):
    os.write(fd, s.encode())

checks = 0
def step(text, expect, timeout=10.0):
    global checks
    send(text)
    read_until(expect, timeout)
    checks += 1

def exit_with_ctrl_d():
    """Ctrl-D at a fresh prompt; returns the wait status (bounded: 10 s)."""
    global buf
    read_until("> ")  # Ctrl-D means end of input only once readline owns the terminal
    time.sleep(0.1)
    send("\x04")
    for _ in range(100):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.1)
        r, _, _ = select.select([fd], [], [], 0)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                pass
    raise AssertionError(f"the REPL did not exit on Ctrl-D; screen:\n{buf.decode(errors='replace')}")

def helper_checks():
    """The diver helpers at the prompt: output, one-line failures, the REPL keeps going."""
    global checks
    step("help()\n", "rating(x)")
    step(f"site() == '{base}'\n", "true\r\n")
    step("profile(900001)\n", "<profile 654321 Avery Q Testdiver: 3 stats rows>")
    step("rating(900001)\n", "total       = springboard + platform = 85.79 + 72.97 = 158.76")
    step("explain(900001, '2026-12-02')\n", "eligible by fina_age: FINA age 17 is within 14-18")
    step("explain(900002, '2020-01-01')\n", "decided by: no rule matched")
    step("r = profile('tests/fixtures/profiles/900014.html')\n", "Pat Coachman")
    step("r.info.fina_age\n", "19\r\n")
    for line, expect in [
        ("profile(900018)\n", "blocked: the site answered with a bot-protection page (HTTP 403)"),
        ("rating('/nonexistent/x.html')\n", "rating: cannot read /nonexistent/x.html"),
        ("explain(900001, 'someday')\n", 'explain: bad date "someday"'),
    ]:
        send(line)
        seen = read_until(expect)
        seen += read_until("> ")
        assert "traceback" not in seen and ".lua:" not in seen, f"not one clear line:\n{seen}"
        checks += 1
    step("'still here'\n", '"still here"')

read_until("help() for help")
read_until("> ")
if helpers_mode:
    helper_checks()
    status = exit_with_ctrl_d()
    code = os.waitstatus_to_exitcode(status)
    assert code == 0, f"exit code {code}"
    print(f"repl helpers: {checks + 1} passed, 0 failed")
    sys.exit(0)
step("1+1\n", "2\r\n")
step("{b = 1, a = {c = 2}, 'x'}\n", '"x",\r\n  a = {\r\n    c = 2,\r\n  },\r\n  b = 1,\r\n}')
step("local t = {}; t.self = t; return t\n", "<cycle")
step("function double(x)\n", ">> ")
step("  return x * 2\n", ">> ")
step("end\n", "> ")
step("double(21)\n", "42\r\n")
step(f"http.get('{base}/bytes?n=7').status\n", "200\r\n")
step("error('oops')\n", "oops")
step("x = 5\n", "> ")
step("x * 3\n", "15\r\n")
send("task.sleep(10000)\n")
time.sleep(0.5)
send("\x03")
read_until("interrupted")
checks += 1
step("3 * 3\n", "9\r\n")
send("while true do end\n")
time.sleep(0.5)
send("\x03")
read_until("interrupted!")
checks += 1
step("'still here'\n", '"still here"')
status = exit_with_ctrl_d()
code = os.waitstatus_to_exitcode(status)
assert code == 0, f"exit code {code}"
print(f"repl: {checks + 1} passed, 0 failed")
