"""An SMTP server for the tests: listens on 127.0.0.1 at a free port, prints `port N` once it
accepts connections, and writes each message it receives, as received, to DIR/NNN.eml (through a
temporary name, so that a reader never sees half a message).

With UP_FLAG, the server is out of service until the file UP_FLAG exists: it answers every
connection `421` (RFC 5321: service not available, closing the channel) and closes it, as a mail
server that is down for maintenance does; the port stays its own throughout, so no other process
can take it in between.

Usage: python3 smtp_sink.py DIR [UP_FLAG]
"""

import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:03}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


class Down(asyncio.Protocol):
    def connection_made(self, transport):
        transport.write(b"421 sink.test Service not available, closing transmission channel\r\n")
        transport.close()


async def main(folder, up_flag):
    loop = asyncio.get_running_loop()
    sink = Sink(folder)

    def protocol():
        if up_flag is not None and not os.path.exists(up_flag):
            return Down()
        return SMTP(sink, hostname="sink.test")

    server = await loop.create_server(protocol, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
