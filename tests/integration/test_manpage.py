#!/usr/bin/env python3
"""The man page: it lints clean, renders, and documents every --help option.

  - `groff -man -ww -z man/sockwatch.1` (with the preprocessors its first line asks for)
    prints nothing and exits 0; so do `mandoc -Tlint -W warning` (errors and warnings,
    such as a date it cannot parse) and `mandoc -Tlint` (its style messages too, such as
    an input line over 80 bytes), when mandoc is installed (scripts/bootstrap --test
    installs it; a skip says when it is not);
  - `man -l man/sockwatch.1` renders it (NAME, SYNOPSIS, OPTIONS), when man is installed;
  - every option `sockwatch --help` prints, long and short, appears in the page.

The page is the source tree's man/sockwatch.1, found relative to this file.
"""
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

MANPAGE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "..", "man", "sockwatch.1"))
ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8", MANPAGER="cat", PAGER="cat",
           MANWIDTH="80")


def run(argv):
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=ENV, timeout=60)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def preprocessors(src):
    """groff options for the preprocessors named on a first line like '\\" t."""
    m = re.match(r"^'\\\"\s*([a-z]+)", src)
    flags = {"t": "-t", "e": "-e", "p": "-p", "r": "-R", "g": "-g", "v": "-V"}
    return [flags[c] for c in (m.group(1) if m else "") if c in flags]


def plain_source(src):
    """The page's text with roff escapes for dashes, fonts and zero-width marks undone."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", src)  # \fB \fR \f(CW \f[CR]
    s = s.replace("\\-", "-").replace("\\(hy", "-").replace("\\(en", "-")
    s = s.replace("\\&", "").replace("\\%", "").replace("\\:", "")
    return s


def help_options(text):
    """Every option the --help text lists (lines that start with a dash)."""
    opts = []
    for line in text.splitlines():
        m = re.match(r"^\s+(-[^\s,]+(?:,\s+-[^\s,]+)*)", line)
        if not m:
            continue
        for o in re.split(r",\s+", m.group(1)):
            o = re.match(r"^(--?[A-Za-z0-9][A-Za-z0-9-]*)", o)
            if o:
                opts.append(o.group(1))
    return opts


def main(t):
    if not t.check(os.path.isfile(MANPAGE), "the man page exists at %s" % MANPAGE):
        return
    with open(MANPAGE, encoding="utf-8", errors="replace") as f:
        src = f.read()

    linted = False
    if shutil.which("groff"):
        argv = ["groff"] + preprocessors(src) + ["-man", "-ww", "-z", MANPAGE]
        rc, out, err = run(argv)
        t.check(rc == 0 and out == "" and err == "", "%s: no output, exit 0" % " ".join(argv[:-1]),
                got=(rc, (out + err)[:2000]))
        linted = True
    if shutil.which("mandoc"):
        for argv in (["mandoc", "-Tlint", "-W", "warning"], ["mandoc", "-Tlint"]):
            rc, out, err = run(argv + [MANPAGE])
            t.check(rc == 0 and out == "" and err == "",
                    "%s: no output, exit 0" % " ".join(argv), got=(rc, (out + err)[:2000]))
        linted = True
    else:
        print("# skip - mandoc not installed: mandoc -Tlint is not run", flush=True)
    if not linted:
        print("# skip - neither groff nor mandoc installed: the lint is not run", flush=True)

    if shutil.which("man"):
        rc, out, err = run(["man", "-l", MANPAGE])
        t.check_eq(rc, 0, "man -l: exit status")
        for section in ("NAME", "SYNOPSIS", "OPTIONS"):
            t.check(re.search(r"^%s\b" % section, out, re.M) is not None,
                    "man -l: renders a %s section" % section, got=out[:300])
        warn = [l for l in err.splitlines() if l.strip()]
        t.check(not warn, "man -l: nothing on stderr", got=warn[:5])
    else:
        print("# skip - man not installed: rendering with man -l is not checked", flush=True)

    rc, helptext, err = t.sockwatch("--help", timeout=10)
    t.check_eq(rc, 0, "sockwatch --help: exit status")
    opts = help_options(helptext)
    longs = [o for o in opts if o.startswith("--")]
    t.check(len(longs) >= 5, "sockwatch --help lists long options", got=opts)
    plain = plain_source(src)
    missing = [o for o in opts if re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), plain) is None]
    t.check(not missing, "every option of --help (%d) appears in the man page" % len(opts),
            got=missing)


swtest.run(main, __doc__)
