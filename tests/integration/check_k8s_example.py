#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check examples/k8s/qotfs-daemonset.yaml without a cluster: that it is
well-formed and follows the pattern of qotfs(8), CONTAINERS.

  check_k8s_example.py [--no-yaml] FILE     parse and check; exit 1 if wrong
  check_k8s_example.py --client-script FILE print the client's shell script

With PyYAML the file is parsed by it, and must also parse the same with the
small parser below, which covers the subset the example uses and is what
--no-yaml (and a system without PyYAML) checks with.
"""
import json
import re
import sys


class Bad(Exception):
    pass


def scalar(text):
    if text.startswith('"') or text.startswith("["):
        try:
            return json.loads(text)
        except ValueError as e:
            raise Bad("bad flow value %r: %s" % (text, e))
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if text[:1] in ("'", "{", "&", "*", "!", "%", "@", "`"):
        raise Bad("value outside the subset: %r" % text)
    return text


def strip_comment(text):
    """A plain or flow value without its trailing comment."""
    if text.startswith("#"):
        return ""
    if not text.startswith('"') and not text.startswith("["):
        return text.split(" #", 1)[0].rstrip()
    # Quoted or flow: the comment starts after the closing character.
    close = '"' if text.startswith('"') else "]"
    end = text.index(close, 1) if close in text[1:] else len(text) - 1
    rest = text[end + 1 :]
    if rest.strip() and not rest.strip().startswith("#"):
        raise Bad("text after a value: %r" % text)
    return text[: end + 1]


class Parser:
    """Block mappings, block sequences, literal blocks (|), double-quoted
    strings and JSON-like flow sequences: the subset the example uses."""

    def __init__(self, lines, lineno):
        self.lines = lines  # (number, indent, text) of meaningful lines
        self.i = 0
        self.lineno = lineno

    def peek(self):
        return self.lines[self.i] if self.i < len(self.lines) else None

    def block(self, indent):
        n, ind, text = self.peek()
        if ind != indent:
            raise Bad("line %d: indentation %d, expected %d" % (n, ind, indent))
        return self.seq(indent) if text.startswith("- ") or text == "-" else self.map(indent)

    def value(self, n, indent, rest):
        """The value after 'key:' or '- ' on line n (at indent)."""
        rest = strip_comment(rest.strip())
        if rest == "|":
            return self.literal(indent)
        if rest:
            return scalar(rest)
        nxt = self.peek()
        if nxt is None or nxt[1] < indent or (nxt[1] == indent and not nxt[2].startswith("- ")):
            return None
        if nxt[1] == indent:  # "key:" followed by a sequence at its own indent
            return self.seq(indent)
        return self.block(nxt[1])

    def literal(self, indent):
        body, raw = [], self.raw_following(indent)
        if not raw:
            return ""
        base = min(len(l) - len(l.lstrip(" ")) for l in raw if l.strip())
        for l in raw:
            body.append(l[base:] if l.strip() else "")
        while body and body[-1] == "":
            body.pop()
        return "\n".join(body) + "\n"

    def raw_following(self, indent):
        """The raw lines of a literal block: those indented deeper than indent."""
        first = self.lines[self.i - 1][0]  # the line holding the '|'
        out, k = [], first
        while k < len(self.all) and (
            not self.all[k].strip() or len(self.all[k]) - len(self.all[k].lstrip(" ")) > indent
        ):
            out.append(self.all[k])
            k += 1
        while self.peek() is not None and self.peek()[0] <= k:
            self.i += 1
        return out

    def map(self, indent):
        out = {}
        while self.peek() is not None and self.peek()[1] == indent:
            n, _, text = self.peek()
            if text.startswith("- "):
                break
            m = re.fullmatch(r"([A-Za-z0-9_./-]+):(?:( .*)|)", text)
            if not m:
                raise Bad("line %d: not 'key: value': %r" % (n, text))
            key = m.group(1)
            if key in out:
                raise Bad("line %d: key %s twice" % (n, key))
            self.i += 1
            out[key] = self.value(n, indent, m.group(2) or "")
        return out

    def seq(self, indent):
        out = []
        while self.peek() is not None and self.peek()[1] == indent and self.peek()[2].startswith("- "):
            n, _, text = self.peek()
            rest = text[2:]
            if re.match(r"[A-Za-z0-9_./-]+:( |$)", rest):
                # "- key: value": a mapping whose entries sit at indent + 2.
                self.lines[self.i] = (n, indent + 2, rest)
                out.append(self.map(indent + 2))
            else:
                self.i += 1
                out.append(self.value(n, indent, rest))
        return out


def parse_subset(text):
    if "\t" in text:
        raise Bad("a tab character")
    all_lines = text.split("\n")
    docs, lines = [], []
    for number, line in enumerate(all_lines + ["---"], start=1):
        if line == "---":
            if lines:
                docs.append(lines)
            lines = []
        elif line.strip() and not line.lstrip().startswith("#"):
            lines.append((number, len(line) - len(line.lstrip(" ")), line.strip()))
    out = []
    for lines in docs:
        p = Parser(lines, 0)
        p.all = all_lines
        node = p.block(0)
        if p.peek() is not None:
            raise Bad("line %d: unexpected indentation" % p.peek()[0])
        out.append(node)
    return out


def get(node, *path):
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise Bad("missing %s" % ".".join(str(p) for p in path))
    return node


def container(pod, name):
    for c in get(pod, "containers"):
        if c.get("name") == name:
            return c
    raise Bad("no container %s" % name)


def mount(c, name):
    for m in c.get("volumeMounts", []):
        if m.get("name") == name:
            return m
    raise Bad("container %s does not mount %s" % (c.get("name"), name))


def host_path(pod, name):
    for v in get(pod, "volumes"):
        if v.get("name") == name:
            return get(v, "hostPath")
    raise Bad("no volume %s" % name)


def expect(what, got, want):
    if got != want:
        raise Bad("%s is %r, not %r" % (what, got, want))


SHARE, MOUNT_POINT = "/run/qotfs", "/run/qotfs/qot"


def check(docs):
    kinds = [d.get("kind") for d in docs]
    expect("the documents' kinds", kinds, ["DaemonSet", "Deployment"])
    for d in docs:
        expect(d["kind"] + " apiVersion", d.get("apiVersion"), "apps/v1")
        get(d, "metadata", "name")
        labels = get(d, "spec", "template", "metadata", "labels")
        for k, v in get(d, "spec", "selector", "matchLabels").items():
            expect(d["kind"] + " pod label " + k, labels.get(k), v)

    pod = get(docs[0], "spec", "template", "spec")
    expect("hostPID", pod.get("hostPID"), True)
    expect("volume share", host_path(pod, "share"), {"path": SHARE, "type": "DirectoryOrCreate"})
    expect("volume fuse", host_path(pod, "fuse"), {"path": "/dev/fuse", "type": "CharDevice"})
    q = container(pod, "qotfs")
    expect("qotfs privileged", get(q, "securityContext", "privileged"), True)
    expect("qotfs share mount", mount(q, "share"),
           {"name": "share", "mountPath": SHARE, "mountPropagation": "Bidirectional"})
    expect("qotfs /dev/fuse", mount(q, "fuse")["mountPath"], "/dev/fuse")
    cmd = " ".join(get(q, "command") + get(q, "args"))
    if "qotfs -f " + MOUNT_POINT not in cmd or "--no-auto-unmount" in cmd:
        raise Bad("qotfs does not mount %s with its guardian: %s" % (MOUNT_POINT, cmd))
    s = container(pod, "syncd")
    expect("syncd command", get(s, "command"), ["syncd", "-f", "-m", MOUNT_POINT])
    expect("syncd share mount", mount(s, "share"),
           {"name": "share", "mountPath": SHARE, "mountPropagation": "HostToContainer",
            "readOnly": True})

    pod = get(docs[1], "spec", "template", "spec")
    expect("client volume", host_path(pod, "qot"), {"path": SHARE, "type": "Directory"})
    c = container(pod, "client")
    expect("client mount", mount(c, "qot"),
           {"name": "qot", "mountPath": SHARE, "mountPropagation": "HostToContainer",
            "readOnly": True})
    expect("client QOT_ROOT", get(c, "env"), [{"name": "QOT_ROOT", "value": MOUNT_POINT}])
    # Nobody mounts the mount point itself: that would not follow a restart.
    for d in docs:
        for v in get(d, "spec", "template", "spec", "volumes"):
            if v.get("hostPath", {}).get("path", "").rstrip("/") == MOUNT_POINT:
                raise Bad("volume %s is the mount point itself" % v.get("name"))


def main(argv):
    args = argv[1:]
    use_yaml = "--no-yaml" not in args
    script = "--client-script" in args
    files = [a for a in args if not a.startswith("--")]
    if len(files) != 1:
        sys.exit("usage: check_k8s_example.py [--no-yaml|--client-script] FILE")
    with open(files[0]) as f:
        text = f.read()
    try:
        docs = parse_subset(text)
        if script:
            pod = get(docs[1], "spec", "template", "spec")
            sys.stdout.write(get(container(pod, "client"), "args", 0))
            return 0
        if use_yaml:
            import yaml

            try:
                parsed = [d for d in yaml.safe_load_all(text) if d is not None]
            except yaml.YAMLError as e:
                raise Bad("PyYAML: %s" % e)
            if parsed != docs:
                raise Bad("the subset parser and PyYAML disagree")
            docs = parsed
        check(docs)
    except Bad as e:
        print("%s: %s" % (files[0], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
