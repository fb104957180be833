// A TEST STAND-IN FOR THE CLICKHOUSE SERVER PROCESS, not for the engine: the engine is the real
// one (chDB, the same ClickHouse code), behind a small node:http server that speaks ClickHouse's
// HTTP interface as @clickhouse/client uses it. No ClickHouse server can be installed on the test
// machines (Debian's is from 2018, without query parameters). It runs in a child process of its
// own (chDB allows one data directory per process), so a test can kill it and start it again on
// the same port and data directory, as an outage would.
//
// What it speaks, as clickhouse-server does (docs: interfaces/http): the query in the URL
// (`query=`) or the body, and with both the URL's query followed by a newline and the body (how an
// INSERT's data arrives); settings and `param_<name>` values as URL parameters, the values bound by
// the engine (queryBind), never spliced into SQL; `database`, `default_format` and a FORMAT clause;
// GET is read-only; `/ping` and `GET /` → "Ok.\n"; credentials from X-ClickHouse-User/Key, basic
// auth or `user`/`password`, checked against one configured user; gzip, deflate, br or zstd bodies
// both ways (`enable_http_compression=1` and Accept-Encoding for the response); X-ClickHouse-Query-Id,
// -Summary, -Format, -Timezone headers; errors as `Code: N. DB::Exception: …` with the server's HTTP
// status for N and X-ClickHouse-Exception-Code. Optionally https, and mutual TLS where the client
// certificate's common name is the user (X-ClickHouse-SSL-Certificate-Auth: on). What it does not
// speak (sessions, roles, ClickHouse's own block compression, multipart parameters) it refuses with
// NOT_IMPLEMENTED rather than ignoring.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

export interface ClickHouseHttpOptions {
  dataDir: string;
  /** The port to listen on (127.0.0.1); 0 for any free one. Give the old port to come back where clients look. */
  port?: number;
  user: string;
  password: string;
  /** https with this certificate; with `clientCaFile`, client certificates signed by that CA are required. */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
}

export interface ClickHouseHttp {
  url: string;
  port: number;
  /** Stops the process as an operator would (SIGTERM). */
  stop(): Promise<void>;
  /** Kills the process (SIGKILL): the server is gone, whatever it was doing. */
  kill(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);
const CONFIG_ENV = 'ZTNA_CLICKHOUSE_STAND_IN';

/** Starts the stand-in in a child process and resolves once it listens. */
export function startClickHouseHttp(options: ClickHouseHttpOptions): Promise<ClickHouseHttp> {
  // Node runs this file itself (type stripping): it imports nothing of the project's.
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SELF], {
    env: { ...process.env, [CONFIG_ENV]: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /^listening (\d+)$/m.exec(out)?.[1];
      if (port) resolve(running(child, exited, options, Number(port)));
    });
    child.once('exit', (code) => reject(new Error(`ClickHouse stand-in exited with ${code}: ${stderr}`)));
  });
}

function running(child: ChildProcess, exited: Promise<void>, options: ClickHouseHttpOptions, port: number): ClickHouseHttp {
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

// ---- the server process ----

/** URL parameters the HTTP handler reads itself; every other one (not `param_*`) is a setting. */
const HANDLER_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'client_protocol_version',
  'compress',
  'decompress',
  'role',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
]);
/** Handler parameters with a behaviour the stand-in does not have: refused, so a test never passes by their being ignored. */
const UNSUPPORTED_PARAMS = ['compress', 'decompress', 'role', 'session_id', 'session_check', 'close_session'];

/** ClickHouse's exceptionCodeToHTTPStatus (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp), by error name. */
const STATUS_BY_NAME: Record<string, number> = {
  REQUIRED_PASSWORD: 401,
  ...Object.fromEntries(
    ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED'].map((n) => [n, 403]),
  ),
  ...Object.fromEntries(
    [
      'BAD_ARGUMENTS',
      'CANNOT_COMPILE_REGEXP',
      'CANNOT_PARSE_TEXT',
      'CANNOT_PARSE_ESCAPE_SEQUENCE',
      'CANNOT_PARSE_QUOTED_STRING',
      'CANNOT_PARSE_DATE',
      'CANNOT_PARSE_DATETIME',
      'CANNOT_PARSE_NUMBER',
      'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
      'CANNOT_PARSE_IPV4',
      'CANNOT_PARSE_IPV6',
      'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
      'CANNOT_PARSE_UUID',
      'DUPLICATE_COLUMN',
      'ILLEGAL_COLUMN',
      'UNKNOWN_ELEMENT_IN_AST',
      'UNKNOWN_TYPE_OF_AST_NODE',
      'THERE_IS_NO_COLUMN',
      'TOO_DEEP_AST',
      'TOO_BIG_AST',
      'UNEXPECTED_AST_STRUCTURE',
      'SYNTAX_ERROR',
      'INCORRECT_DATA',
      'TYPE_MISMATCH',
      'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
    ].map((n) => [n, 400]),
  ),
  ...Object.fromEntries(
    [
      'UNKNOWN_TABLE',
      'UNKNOWN_FUNCTION',
      'UNKNOWN_IDENTIFIER',
      'UNKNOWN_TYPE',
      'UNKNOWN_STORAGE',
      'UNKNOWN_DATABASE',
      'UNKNOWN_SETTING',
      'UNKNOWN_DIRECTION_OF_SORTING',
      'UNKNOWN_AGGREGATE_FUNCTION',
      'UNKNOWN_FORMAT',
      'UNKNOWN_DATABASE_ENGINE',
      'UNKNOWN_TYPE_OF_QUERY',
      'UNKNOWN_ROLE',
    ].map((n) => [n, 404]),
  ),
  QUERY_IS_TOO_LARGE: 413,
  NOT_IMPLEMENTED: 501,
  SOCKET_TIMEOUT: 503,
  CANNOT_OPEN_FILE: 503,
  CANNOT_SCHEDULE_TASK: 503,
  HTTP_LENGTH_REQUIRED: 411,
  TIMEOUT_EXCEEDED: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

const CONTENT_TYPES: Record<string, string> = {
  TabSeparated: 'text/tab-separated-values; charset=UTF-8',
  JSONEachRow: 'application/x-ndjson; charset=UTF-8',
  JSON: 'application/json; charset=UTF-8',
  CSV: 'text/csv; charset=UTF-8; header=absent',
};

/** An error as the server raises it: a code (its name comes from the engine) and a message. */
class ServerError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
  zstd: promisify(zlib.zstdDecompress),
};
const encoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
  zstd: promisify(zlib.zstdCompress),
};

type Chdb = typeof import('chdb');

async function serve(options: ClickHouseHttpOptions): Promise<void> {
  const chdb: Chdb = await import('chdb');
  // One session for the life of the process holds the engine; each request gets its own
  // connection to it, so its database and settings are its own, as a query's context is.
  const anchor = new chdb.Session(options.dataDir);
  const names = new Map<number, string>(
    (
      await anchor.queryAsync("SELECT number, errorCodeToName(number) FROM numbers(2000) WHERE errorCodeToName(number) != ''", {
        format: 'TabSeparated',
      })
    )
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t'))
      .map(([code, name]) => [Number(code), name!]),
  );
  const codeOf = (name: string) => [...names].find(([, n]) => n === name)![0];
  const version = (await anchor.queryAsync('SELECT version()', { format: 'TabSeparated' })).text().trim();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const queryId = new URL(req.url ?? '/', 'http://x').searchParams.get('query_id') || randomUUID();
    res.setHeader('X-ClickHouse-Query-Id', queryId);
    res.setHeader('X-ClickHouse-Server-Display-Name', 'clickhouse-stand-in');
    res.setHeader('X-ClickHouse-Timezone', 'UTC');
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof ServerError ? err : asServerError(err, codeOf('STD_EXCEPTION'));
      const name = names.get(e.code) ?? 'UNKNOWN_EXCEPTION';
      // The engine's message already ends with its error name; one made here gets it added.
      const message = e.message.trim().replace(/^Code: \d+\. DB::Exception: /, '');
      const text = / \([A-Z0-9_]+\)$/.test(message) ? message : `${message}. (${name})`;
      res.writeHead(STATUS_BY_NAME[name] ?? 500, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(e.code),
      });
      res.end(`Code: ${e.code}. DB::Exception: ${text} (version ${version})\n`);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const search = url.searchParams;
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !search.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' })
        .end(`There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\n`);
      return;
    }
    authenticate(req, search);
    for (const name of UNSUPPORTED_PARAMS)
      if (search.has(name)) throw new ServerError(codeOf('NOT_IMPLEMENTED'), `The stand-in does not support the ${name} parameter`);
    if (/^multipart\//.test(req.headers['content-type'] ?? ''))
      throw new ServerError(codeOf('NOT_IMPLEMENTED'), 'The stand-in does not support multipart parameters');

    const body = await decode(await readAll(req), req.headers['content-encoding'], codeOf('UNKNOWN_COMPRESSION_METHOD'));
    const inUrl = search.get('query');
    const sql = inUrl === null ? body.toString() : body.length > 0 ? `${inUrl}\n${body.toString()}` : inUrl;
    if (sql.trim() === '') throw new ServerError(codeOf('SYNTAX_ERROR'), 'Empty query');

    const params: Record<string, string> = {};
    const settings: Array<[string, string]> = [];
    for (const [name, value] of search) {
      if (name.startsWith('param_')) params[name.slice('param_'.length)] = boundValue(value, codeOf('BAD_QUERY_PARAMETER'));
      else if (!HANDLER_PARAMS.has(name) && name !== 'enable_http_compression') settings.push([name, value]);
    }
    if (req.method === 'GET') settings.push(['readonly', '2']);
    const format = search.get('default_format') ?? 'TabSeparated';

    const session = new chdb.Session(options.dataDir);
    let result;
    try {
      await session.queryAsync(`USE ${quoteIdentifier(search.get('database') ?? 'default')}`);
      for (const [name, value] of settings) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ServerError(codeOf('UNKNOWN_SETTING'), `Unknown setting '${name}'`);
        await session.queryAsync(`SET ${name} = ${quoteString(value)}`);
      }
      result =
        Object.keys(params).length > 0 ? await session.queryBindAsync(sql, params, { format }) : await session.queryAsync(sql, { format });
    } finally {
      session.close();
    }

    const shownFormat = /\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(inUrl ?? sql)?.[1] ?? format;
    // What the engine reports for the query; an insert's written rows it does not report, so they read 0.
    const summary = {
      read_rows: String(result.rowsRead),
      read_bytes: String(result.bytesRead),
      written_rows: '0',
      written_bytes: '0',
      total_rows_to_read: String(result.rowsRead),
      result_rows: '0',
      result_bytes: String(result.bytes().length),
      elapsed_ns: String(Math.round(result.elapsed * 1e9)),
    };
    const encoding = search.get('enable_http_compression') === '1' ? acceptedEncoding(req.headers['accept-encoding']) : undefined;
    const bytes = Buffer.from(result.bytes());
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[shownFormat] ?? 'text/plain; charset=UTF-8',
      'X-ClickHouse-Format': shownFormat,
      'X-ClickHouse-Summary': JSON.stringify(summary),
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
    });
    res.end(encoding ? await encoders[encoding]!(bytes) : bytes);
  }

  function authenticate(req: IncomingMessage, search: URLSearchParams): void {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [basicUser, basicPassword] = basic ? splitOnce(Buffer.from(basic, 'base64').toString(), ':') : [];
    const user = header(req, 'x-clickhouse-user') ?? basicUser ?? search.get('user') ?? 'default';
    const key = header(req, 'x-clickhouse-key') ?? basicPassword ?? search.get('password') ?? '';
    const refused = new ServerError(
      codeOf('AUTHENTICATION_FAILED'),
      `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
    if (user !== options.user) throw refused;
    if (header(req, 'x-clickhouse-ssl-certificate-auth') === 'on') {
      // The user of a certificate is its common name (clickhouse-server: the user's ssl_certificates).
      const peer = (req.socket as TLSSocket).getPeerCertificate?.();
      if (!peer || peer.subject?.CN !== user) throw refused;
      return;
    }
    if (!sameSecret(key, options.password)) throw refused;
  }

  const server = options.tls
    ? createHttpsServer(
        {
          cert: readFileSync(options.tls.certFile),
          key: readFileSync(options.tls.keyFile),
          ...(options.tls.clientCaFile ? { ca: readFileSync(options.tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
        },
        handler,
      )
    : createHttpServer(handler);
  server.listen(options.port ?? 0, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    anchor.close();
    process.exit(0);
  });
}

function asServerError(err: unknown, fallbackCode: number): ServerError {
  const e = err as { clickhouseCode?: number; message?: string };
  return new ServerError(e.clickhouseCode ?? fallbackCode, e.message ?? String(err));
}

/**
 * A `param_` value as the engine must receive it. The URL carries it in ClickHouse's escaped text
 * form, which is what the engine parses; chDB's queryBind escapes a string value that way itself,
 * so the URL's escaping is undone first. `\'` (the client escapes quotes, text does not need to)
 * becomes `'`: the same value for a scalar, not inside an array or tuple literal, so those are refused.
 */
function boundValue(text: string, badParameterCode: number): string {
  if (/^[[({]/.test(text) && text.includes("\\'"))
    throw new ServerError(badParameterCode, 'The stand-in cannot bind a composite value holding an escaped quote');
  const escapes: Record<string, string> = { '\\': '\\', "'": "'", '0': '\0', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  return text.replace(/\\(.)/gs, (all, c: string) => escapes[c] ?? all);
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** A setting's value as a string literal: the engine converts it to the setting's type, as it does a URL setting's text. */
function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function acceptedEncoding(accept: string | undefined): string | undefined {
  return (accept ?? '')
    .split(',')
    .map((e) => e.trim().split(';')[0]!)
    .find((e) => e in encoders);
}

async function decode(body: Buffer, encoding: string | undefined, unknownMethodCode: number): Promise<Buffer> {
  if (!encoding || encoding === 'identity') return body;
  const decoder = decoders[encoding];
  if (!decoder) throw new ServerError(unknownMethodCode, `Unknown compression method: ${encoding}`);
  return decoder(body);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

if (process.argv[1] === SELF) {
  serve(JSON.parse(process.env[CONFIG_ENV]!) as ClickHouseHttpOptions).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
