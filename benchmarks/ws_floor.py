"""The floor for the fan-out benchmark: a bare `websockets` server that broadcasts what it is told to.

Clients connect to ``/``; whatever arrives on ``/control`` is broadcast to all of them with
`websockets.asyncio.server.broadcast` (no framework, no database, no bus). Prints ``PORT <n>`` once
listening on a port chosen by the OS. Run by ``benchmarks.fanout``; not useful on its own.
"""

from __future__ import annotations

import asyncio

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main() -> None:
    listeners: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/control":
            async for message in ws:
                broadcast(listeners, message)
            return
        listeners.add(ws)
        try:
            await ws.wait_closed()
        finally:
            listeners.discard(ws)

    async with serve(handler, "127.0.0.1", 0, max_queue=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
