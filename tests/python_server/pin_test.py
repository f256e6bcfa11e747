# SPDX-License-Identifier: LGPL-2.1-or-later
# The Python fallback server (core/src/server_py/sshuttle_server.py) spells the wire protocol and reads
# resolv.conf on its own; this holds it to the native code: its constants against `pin_dump constants`, and its
# resolv.conf parser against net::parse_resolv_conf over the same texts (`pin_dump resolv-conf`).
# Usage: pin_test.py PIN_DUMP SSHUTTLE_SERVER_PY
import contextlib
import importlib.util
import io
import subprocess
import sys

# Every rule of net::parse_resolv_conf (tests/net/resolv_conf_test.cpp), plus what a hostile file might hold.
RESOLV_CONF_CASES = [
    "",
    "# generated\nsearch example.test\nnameserver 192.0.2.53\n"
    "nameserver\t2001:db8::53   # trailing words are ignored\noptions edns0\nnameserver 192.0.2.53\n",
    "nameserver 203.0.113.7",
    "nameserver 203.0.113.7\r\n",
    "nameserver 203.0.113.7\v\n",
    "NAMESERVER 198.51.100.53\n",
    "Nameserver 198.51.100.53\n",
    "  nameserver 198.51.100.53\n",
    "\tnameserver 198.51.100.53\n",
    ";nameserver 203.0.113.9\n#nameserver 203.0.113.9\n",
    "nameservers 203.0.113.9\n",
    "nameserver\n",
    "nameserver  \t \n",
    "nameserver \t 203.0.113.9\n",
    "nameserver\v203.0.113.9\n",
    "nameserver fe80::1%eth0\n",
    "nameserver fe80::1%\n",
    "nameserver %eth0\n",
    "nameserver ns.example.test\n",
    "nameserver 127.1\n",
    "nameserver 192.0.2.53#x\n",
    "nameserver 192.0.2.53;x\n",
    "nameserver 192.0.2.256\n",
    "nameserver ::ffff:192.0.2.1\n",
    "nameserver 2001:DB8::A\n",
    "nameserver 192.0.2.1\x00junk\n",
    "nameserver 192.0.2.1\x1cjunk\n",
    "nameserver 192.0.2.1\xa0\n",
    "\n\n\rnameserver 192.0.2.2\nnameserver 192.0.2.3\n",
]


def load_server(path):
    spec = importlib.util.spec_from_file_location("sshuttle_server", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def native_constants(pin_dump):
    output = subprocess.run([pin_dump, "constants"], check=True, stdout=subprocess.PIPE).stdout.decode()
    constants = {}
    commands = {}
    for line in output.splitlines():
        words = line.split()
        if words[0] == "COMMAND":
            commands[int(words[1])] = words[2]
        else:
            constants[words[0]] = words[1]
    return constants, commands


def check_constants(server, pin_dump):
    failures = []
    constants, commands = native_constants(pin_dump)

    def expect(name, ours, native):
        if ours != native:
            failures.append("%s: Python has %r, native has %r" % (name, ours, native))

    expect("SYNC_HEADER", server.SYNC_HEADER.hex(), constants["SYNC_HEADER"])
    expect("HEADER size", str(server.HEADER.size), constants["HEADER_SIZE"])
    expect("MAX_PAYLOAD", str(server.MAX_PAYLOAD), constants["MAX_PAYLOAD"])
    expect("WIRE_FAMILY_IPV4", str(server.WIRE_FAMILY_IPV4), constants["WIRE_FAMILY_IPV4"])
    expect("WIRE_FAMILY_IPV6", str(server.WIRE_FAMILY_IPV6), constants["WIRE_FAMILY_IPV6"])
    expect("COMMAND_NAMES", server.COMMAND_NAMES, commands)
    for value, name in commands.items():
        expect("CMD_" + name, getattr(server, "CMD_" + name, None), value)
    with contextlib.redirect_stderr(io.StringIO()):
        status = server.main(["--no-such-option"])
    expect("exit status of a usage error", str(status), constants["EXIT_USAGE"])
    return failures


def check_resolv_conf(server, pin_dump):
    failures = []
    for text in RESOLV_CONF_CASES:
        native = subprocess.run([pin_dump, "resolv-conf"], input=text.encode("latin-1"), check=True,
                                stdout=subprocess.PIPE).stdout.decode().split()
        ours = [address.packed.hex() for address in server.parse_resolv_conf(text)]
        if ours != native:
            failures.append("resolv.conf %r: Python reads %s, native reads %s" % (text, ours, native))
    return failures


def main(pin_dump, server_py):
    server = load_server(server_py)
    failures = check_constants(server, pin_dump) + check_resolv_conf(server, pin_dump)
    for failure in failures:
        print("FAIL " + failure)
    if not failures:
        print("the Python server agrees with the native code on %d resolv.conf texts and every wire constant"
              % len(RESOLV_CONF_CASES))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
