# pyghmi's FakeBmc (Debian python3-pyghmi), bound to 127.0.0.1 on a port the
# OS picks (its own fakebmc script binds "::" on a fixed port). Run with
# Debian's /usr/bin/python3. The user comes as argv[1], the password in
# PYGHMI_BMC_PASSWORD. Prints "port N" once listening, then one line per
# thing the "machine" saw: "power on", "power off", "boot network" ...
import os
import sys

import pyghmi.ipmi.bmc as bmc
from pyghmi.cmd.fakebmc import FakeBmc


class LoopbackBmc(FakeBmc):
    def __init__(self, authdata):
        bmc.Bmc.__init__(self, authdata, port=0, address='127.0.0.1')
        # Sessions are looked up by this port: the one the OS gave, not 0.
        self.port = self.serversocket.getsockname()[1]
        self.powerstate = 'off'
        self.bootdevice = 'default'

    def set_boot_device(self, bootdevice):
        self.bootdevice = bootdevice
        print('boot %s' % bootdevice, flush=True)

    def power_on(self):
        self.powerstate = 'on'
        print('power on', flush=True)

    def power_off(self):
        self.powerstate = 'off'
        print('power off', flush=True)

    def power_cycle(self):
        print('power cycle', flush=True)
        self.powerstate = 'on'


def main():
    server = LoopbackBmc({sys.argv[1]: os.environ['PYGHMI_BMC_PASSWORD']})
    print('port %d' % server.port, flush=True)
    server.listen()


if __name__ == '__main__':
    sys.exit(main())
