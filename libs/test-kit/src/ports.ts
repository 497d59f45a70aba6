import { createServer } from "node:net";

/**
 * A loopback port that was free a moment ago: for a child process or a restart that needs a fixed
 * port, or for an address where nothing listens. A server of the test's own listens on port 0.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === "string") reject(new Error("no TCP address"));
        else resolve(address.port);
      });
    });
  });
}
