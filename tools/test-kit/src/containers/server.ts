// Starts one server container and wraps it in a small handle (StartedServer).
//
// Choices, and why:
// - The host port is fixed (a free one picked here) rather than random, so that
//   `restart()` brings the server back on the same port and a client that was
//   connected can simply reconnect, as it would after a real server restart.
// - Ports are published on 127.0.0.1 only: test servers have no passwords and must
//   not be reachable from the network. Testcontainers publishes on all interfaces,
//   so a subclass adds HostIp just before the container is created.
// - Readiness is a protocol probe from the host (see probes.ts), which works for
//   every image, including distroless ones without a shell.

import { createServer } from "node:net";
import type { BoundPorts, StartedTestContainer, WaitStrategy } from "testcontainers";
import { isLocalImage } from "./definition.ts";
import type { Backend } from "./images.ts";
import { type Testcontainers, disableRyukFor, loadTestcontainers } from "./load.ts";
import type { Probe } from "./probes.ts";

export interface StartedServer extends AsyncDisposable {
  readonly backend: Backend;
  readonly image: string;
  /** Always `127.0.0.1`: ports are published on loopback only. */
  readonly host: string;
  /** Host port; stays the same across `restart()`. */
  readonly port: number;
  /** Every published host port: `[port]`, or one per node for a multi-node server (a Redis Cluster). */
  readonly ports: readonly number[];
  /** `host:port`, the form memjs and most clients accept. */
  readonly endpoint: string;
  /** `redis://…` for Redis/Valkey, `http://…` for etcd and DynamoDB; absent for Memcached. */
  readonly url?: string;
  readonly containerId: string;
  /** Kills and removes the container. Idempotent. */
  stop(): Promise<void>;
  /** Freezes the server process: connections stay open, nothing answers (a silent server). */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** Kills the server process and starts it again on the same host port; resolves once it answers. In-memory data is lost (etcd keeps its data dir). */
  restart(): Promise<void>;
  /** The container's stdout and stderr so far (for failure messages). */
  logs(): Promise<string>;
  /** Runs a command inside the container (fault injection on one process of a multi-node server). */
  exec(command: readonly string[]): Promise<{ exitCode: number; output: string }>;
}

export interface StartOptions {
  /** Image to run; default from SESSIONKV_IMAGE_<BACKEND> / SESSIONKV_LOCAL_IMAGES (see README). */
  readonly image?: string;
  /** Extra server arguments appended to the defaults, e.g. `["--requirepass", "s3cret"]`. */
  readonly args?: readonly string[];
  /** Replaces the whole command (the default one depends on the image; see README). */
  readonly command?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Host port to publish on; default: a free port. */
  readonly hostPort?: number;
  /** How long the server may take to answer its probe, at start and after restart. Default 60 s. */
  readonly startupTimeoutMs?: number;
}

/** What a backend contributes: where it listens, how to build its command, how to probe it. */
export interface ServerSpec {
  readonly backend: Backend;
  readonly image: string;
  /** Absent: the server listens on the host port numbers themselves (see `nodes`). */
  readonly containerPort?: number;
  /** Server processes, each on its own port, published under the same number (default 1). */
  readonly nodes?: number;
  readonly probe: Probe;
  /** Default command for this image; gets the chosen host port(s) (etcd advertises it). */
  readonly command: (hostPort: number, hostPorts: readonly number[]) => string[];
  readonly url?: (host: string, port: number) => string;
}

const HOST = "127.0.0.1";
const live = new Set<StartedServer>();

/** Stops every server this process started and has not stopped yet (for a global afterAll). */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...live].map((s) => s.stop()));
}

/** The containers of the servers this process started and has not stopped yet. */
export function liveContainerIds(): string[] {
  return [...live].map((s) => s.containerId);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      srv.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** `n` free ports other than `taken` and each other. */
async function morePorts(taken: number, n: number): Promise<number[]> {
  const ports = new Set<number>([taken]);
  while (ports.size < n + 1) ports.add(await freePort());
  return [...ports].slice(1);
}

/** The subset of a dockerode Container the wait strategy uses (typed here to avoid a dockerode dependency). */
interface ContainerLike {
  inspect(): Promise<{ State: { Running: boolean; ExitCode: number; Status: string } }>;
  logs(options: { stdout: boolean; stderr: boolean; follow: false; tail?: number }): Promise<Buffer>;
}

/** Docker multiplexes stdout/stderr in 8-byte-header frames when there is no TTY. */
function demux(raw: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= raw.length && raw[i]! <= 2 && raw[i + 1] === 0) {
    const size = raw.readUInt32BE(i + 4);
    out += raw.subarray(i + 8, i + 8 + size).toString("utf8");
    i += 8 + size;
  }
  return i === 0 ? raw.toString("utf8") : out;
}

async function tailLogs(container: ContainerLike, lines = 40): Promise<string> {
  try {
    return demux(await container.logs({ stdout: true, stderr: true, follow: false, tail: lines })).trimEnd();
  } catch {
    return "(logs unavailable)";
  }
}

/** Waits until the backend's probe succeeds through the published port; fails fast if the container exits. */
class ProbeWaitStrategy implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;

  private readonly spec: ServerSpec;
  private readonly containerPort: number;

  constructor(spec: ServerSpec, containerPort: number) {
    this.spec = spec;
    this.containerPort = containerPort;
  }

  async waitUntilReady(container: ContainerLike, boundPorts: BoundPorts): Promise<void> {
    const port = boundPorts.getBinding(this.containerPort);
    const deadline = Date.now() + this.timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        await this.spec.probe(HOST, port, Math.max(250, Math.min(2_000, deadline - Date.now())));
        return;
      } catch (error) {
        lastError = error;
      }
      const { State } = await container.inspect();
      if (!State.Running) {
        throw new Error(
          `${this.spec.image} exited (${State.Status}, code ${State.ExitCode}) before answering. Logs:\n` +
            (await tailLogs(container)),
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    throw new Error(
      `${this.spec.image} did not answer on ${HOST}:${port} within ${this.timeoutMs} ms (${reason}). Logs:\n` +
        (await tailLogs(container)),
    );
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

type ContainerClass = Testcontainers["GenericContainer"];
let loopbackClass: ContainerClass | undefined;

/** GenericContainer that publishes its ports on 127.0.0.1 instead of every interface. */
function loopbackContainer(tc: Testcontainers): ContainerClass {
  loopbackClass ??= class LoopbackContainer extends tc.GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string }[][]) {
        for (const binding of bindings) binding.HostIp = HOST;
      }
    }
  };
  return loopbackClass;
}

const PORT_TAKEN = /port is already allocated|address already in use|bind for .* failed/i;
const PULL_FAILED = /registry|manifest|pull access denied|no such host|dial tcp|TLS handshake|i\/o timeout/i;

export async function startServer(spec: ServerSpec, options: StartOptions = {}): Promise<StartedServer> {
  disableRyukFor(spec.image);
  const tc = await loadTestcontainers();
  const client = await tc.getContainerRuntimeClient();
  if (isLocalImage(spec.image) && !(await client.image.exists(tc.ImageName.fromString(spec.image)))) {
    throw new Error(
      `Image ${spec.image} is not on this machine. Build the local images with ` +
        "scripts/containers/build-images.sh (as root), or unset SESSIONKV_LOCAL_IMAGES to use official images.",
    );
  }

  // A free port can be taken between our check and Docker's bind; retry with another.
  for (let attempt = 1; ; attempt++) {
    const hostPort = options.hostPort ?? (await freePort());
    const hostPorts = [hostPort, ...(await morePorts(hostPort, (spec.nodes ?? 1) - 1))];
    // A server whose nodes announce their addresses (a cluster) listens on the host's port
    // numbers, so that what it announces is what a client on the host can reach.
    const ports = hostPorts.map((host) => ({ container: spec.containerPort ?? host, host }));
    const command = [...(options.command ?? spec.command(hostPort, hostPorts)), ...(options.args ?? [])];
    const Container = loopbackContainer(tc);
    const container = new Container(spec.image)
      .withCommand(command)
      .withExposedPorts(...ports)
      .withEnvironment({ ...options.env })
      .withLabels({ "org.sessionkv.fixture": spec.backend })
      .withWaitStrategy(new ProbeWaitStrategy(spec, ports[0]!.container))
      .withStartupTimeout(options.startupTimeoutMs ?? 60_000);
    let started: StartedTestContainer;
    try {
      started = await container.start();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (options.hostPort === undefined && attempt < 5 && PORT_TAKEN.test(message)) continue;
      if (!isLocalImage(spec.image) && PULL_FAILED.test(message)) {
        throw new Error(
          `Could not pull ${spec.image} (${message}). On a machine without a container registry, build ` +
            "the local images with scripts/containers/build-images.sh and set SESSIONKV_LOCAL_IMAGES=1.",
          { cause: error },
        );
      }
      throw error;
    }
    return wrap(tc, spec, started, hostPorts);
  }
}

function wrap(
  tc: Testcontainers,
  spec: ServerSpec,
  started: StartedTestContainer,
  ports: readonly number[],
): StartedServer {
  const port = ports[0]!;
  const id = started.getId();
  const docker = async () => (await tc.getContainerRuntimeClient()).container.getById(id);
  let paused = false;
  let stopping: Promise<void> | undefined;
  const server: StartedServer = {
    backend: spec.backend,
    image: spec.image,
    host: HOST,
    port,
    ports,
    endpoint: `${HOST}:${port}`,
    url: spec.url?.(HOST, port),
    containerId: id,
    stop() {
      stopping ??= (async () => {
        live.delete(server);
        if (paused) await (await docker()).unpause().catch(() => undefined);
        await started.stop({ timeout: 0, remove: true, removeVolumes: true });
      })();
      return stopping;
    },
    async pause() {
      if (paused) return;
      await (await docker()).pause();
      paused = true;
    },
    async unpause() {
      if (!paused) return;
      await (await docker()).unpause();
      paused = false;
    },
    async restart() {
      await server.unpause(); // Docker cannot restart a paused container
      await started.restart({ timeout: 0 }); // kill, start, then the probe waits again
    },
    async logs() {
      return tailLogs((await docker()) as unknown as ContainerLike, 500);
    },
    async exec(command) {
      const { exitCode, output } = await started.exec([...command]);
      return { exitCode, output };
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  live.add(server);
  return server;
}
