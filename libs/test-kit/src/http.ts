import type { Server } from "node:http";

/** Listens on loopback (port 0 unless given) and resolves with the server's base URL. */
export function listen(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no TCP address"));
      else resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

/** Closes the server at once: kept-alive connections would otherwise hold `close` open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The status of a GET, with the body read so the connection is released. */
export async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}
