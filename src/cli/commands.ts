// The otp-gate commands as data: what each does, its options with their defaults, and an example.
// The general usage, each command's help and the option parser all read this one table.

export interface OptionSpec {
  /** The long name, without dashes. */
  name: string;
  short?: string;
  /** What its value stands for (FILE, URL). */
  value: string;
  help: string;
  default?: string;
  /** An environment variable that, when set, replaces the default. */
  env?: string;
  required?: boolean;
}

export interface CommandSpec {
  /** As typed after `otp-gate`: "serve", "sessions list". */
  name: string;
  summary: string;
  /** Whole command lines, one way of calling it each. */
  usage: readonly string[];
  /** What it does, beyond the summary. */
  about: string;
  options: readonly OptionSpec[];
  /** The arguments it takes after its options, by what they stand for; none when absent. */
  operands?: readonly string[];
  /** Why it takes no arguments, said instead of repeating them (they may be secrets). */
  secretArguments?: string;
  examples: readonly string[];
  subcommands?: readonly CommandSpec[];
}

const CONFIG: OptionSpec = {
  name: 'config',
  short: 'c',
  value: 'FILE',
  help: "the gate's config file",
  required: true,
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'serve',
    summary: 'run the gate',
    usage: ['otp-gate serve --config FILE'],
    about:
      'Validates config, users and policies as check does, then serves until SIGTERM or SIGINT, which stop new connections and drain ' +
      'the ones in flight (a second signal stops at once). SIGHUP, or editing the files when server.watch_files is on, reloads them; ' +
      'a reload that fails keeps the last good set.',
    options: [CONFIG],
    examples: ['otp-gate serve --config /etc/otp-gate/config.yaml'],
  },
  {
    name: 'check',
    summary: 'validate config, users and policies',
    usage: ['otp-gate check --config FILE'],
    about:
      'Runs the validation start-up runs and lists every problem, lint warnings too, as file:line:col. Exits 1 on any error, 0 otherwise. ' +
      'Starts nothing.',
    options: [CONFIG],
    examples: ['otp-gate check --config config.yaml'],
  },
  {
    name: 'explain',
    summary: 'show which rule decides a request, and why',
    usage: [
      'otp-gate explain --config FILE --url URL [--method METHOD] [--ip ADDRESS] [--user NAME] [--via bearer|basic]',
      'otp-gate explain --config FILE --url URL [--method METHOD] [--ip ADDRESS] --token NAME [--groups G[,G]] [--via bearer|basic]',
    ],
    about:
      'Decides one request with the policy the gate would serve, and shows each rule as HIT or MISS with why, then what the request needs.',
    options: [
      CONFIG,
      { name: 'url', value: 'URL', help: 'the request, as an absolute URL', required: true },
      { name: 'method', value: 'METHOD', help: 'its method', default: 'GET' },
      { name: 'ip', value: 'ADDRESS', help: "the client's address", default: '127.0.0.1' },
      {
        name: 'user',
        value: 'NAME',
        help: 'decide it as this user, signed in (a name or phone number from the users file)',
      },
      { name: 'token', value: 'NAME', help: 'decide it for this service token instead of a person' },
      { name: 'groups', value: 'G[,G]', help: "the service token's groups" },
      {
        name: 'via',
        value: 'bearer|basic',
        help: "with --user: as that person's personal token; with --token: how the token is sent",
      },
    ],
    examples: [
      'otp-gate explain --config config.yaml --url https://wiki.example.com/admin/ --user alice',
      'otp-gate explain --config config.yaml --url https://wiki.example.com/api/ --token monitor --groups readers',
    ],
  },
  {
    name: 'demo',
    summary: 'run on embedded defaults with a demo app',
    usage: ['otp-gate demo [--port PORT]'],
    about:
      'Serves on 127.0.0.1 with an in-memory store, codes printed to this terminal and a small demo app behind the gate; no account or ' +
      'secret needed. This is what `npm start` runs. Ctrl+C stops it.',
    options: [
      { name: 'port', value: 'PORT', help: 'the port to listen on (0 picks a free one)', default: '8080', env: 'PORT' },
    ],
    examples: ['otp-gate demo --port 9000'],
  },
  {
    name: 'sessions',
    summary: "list or end users' sessions (redis store)",
    usage: [
      'otp-gate sessions list --config FILE --user NAME',
      'otp-gate sessions revoke --config FILE (--user NAME | --id=ID)',
    ],
    about:
      'Works on the store the gates share, so only on a redis store. A revoked session ends on every gate instance at its next request.',
    options: [],
    examples: ['otp-gate sessions list --config config.yaml --user alice'],
    subcommands: [
      {
        name: 'sessions list',
        summary: "list a user's sessions",
        usage: ['otp-gate sessions list --config FILE --user NAME'],
        about: 'Prints one line per session: its id in full, the user, when it was created and when it was last seen.',
        options: [CONFIG, { name: 'user', value: 'NAME', help: 'whose sessions', required: true }],
        examples: ['otp-gate sessions list --config config.yaml --user alice'],
      },
      {
        name: 'sessions revoke',
        summary: "end a user's sessions, or one session",
        usage: ['otp-gate sessions revoke --config FILE (--user NAME | --id=ID)'],
        about:
          'Give exactly one of --user and --id. Ending every session of a user also forgets every browser they trusted and revokes their personal tokens.',
        options: [
          CONFIG,
          { name: 'user', value: 'NAME', help: 'end every session of this user' },
          { name: 'id', value: 'ID', help: 'end this one session (write --id=ID: ids may start with "-")' },
        ],
        examples: ['otp-gate sessions revoke --config config.yaml --user alice'],
      },
    ],
  },
  {
    name: 'tokens',
    summary: 'make, list or revoke access tokens for scripts and apps (redis store)',
    usage: [
      'otp-gate tokens create --config FILE --name NAME --apps APP[,APP] [--groups G[,G]] [--expires 90d]',
      'otp-gate tokens list --config FILE [--user NAME]',
      'otp-gate tokens revoke --config FILE [--user NAME] NAME|ID',
    ],
    about:
      'Service tokens are sent as "Authorization: Bearer <token>"; a rule admits one that it names in tokens: or whose group it lists. ' +
      'Works on the store the gates share, so only on a redis store. A revoked token stops on every gate instance within session.verified_cache.',
    options: [],
    examples: ['otp-gate tokens create --config config.yaml --name monitor --apps wiki --groups readers --expires 90d'],
    subcommands: [
      {
        name: 'tokens create',
        summary: 'make a service token and print it once',
        usage: ['otp-gate tokens create --config FILE --name NAME --apps APP[,APP] [--groups G[,G]] [--expires 90d]'],
        about:
          'Prints the token alone on stdout (and what was made on stderr); the store keeps only its SHA-256 digest, so it cannot be shown again. ' +
          'Upstream it acts as Remote-User NAME with Remote-Groups from --groups.',
        options: [
          CONFIG,
          { name: 'name', value: 'NAME', help: 'what rules (tokens: [NAME]) and audit lines call it', required: true },
          { name: 'apps', value: 'APP[,APP]', help: 'the apps (by name) it opens, and no other', required: true },
          { name: 'groups', value: 'G[,G]', help: 'its groups, for rules that admit by group' },
          { name: 'expires', value: 'DURATION', help: 'how long it lasts', default: '90d' },
        ],
        examples: ['otp-gate tokens create --config config.yaml --name monitor --apps wiki --groups readers'],
      },
      {
        name: 'tokens list',
        summary: "list service tokens, or a person's personal tokens",
        usage: ['otp-gate tokens list --config FILE [--user NAME]'],
        about:
          'One line per token: id, name, owner, apps, groups, created, expires. Never a secret: the store has none.',
        options: [CONFIG, { name: 'user', value: 'NAME', help: "this person's personal tokens instead" }],
        examples: ['otp-gate tokens list --config config.yaml'],
      },
      {
        name: 'tokens revoke',
        summary: 'end a token on every instance',
        usage: ['otp-gate tokens revoke --config FILE [--user NAME] NAME|ID'],
        about:
          "Names a service token by name or id; with --user, one of that person's personal tokens. `otp-gate sessions revoke --user` ends all of a person's.",
        options: [CONFIG, { name: 'user', value: 'NAME', help: "one of this person's personal tokens" }],
        operands: ['NAME|ID'],
        examples: ['otp-gate tokens revoke --config config.yaml monitor'],
      },
    ],
  },
  {
    name: 'policy-test',
    summary: 'check the decisions a cases file expects',
    usage: ['otp-gate policy-test --config FILE CASES.yaml'],
    about:
      "Runs each case's request through the policy the gate would serve and compares the decision with the one expected. Prints " +
      'every failing case with the deciding rule and the explain trace, and exits 1 on any failure, so it fits in a CI job.',
    options: [CONFIG],
    operands: ['CASES.yaml'],
    examples: ['otp-gate policy-test --config config.yaml policies/tests/example.cases.yaml'],
  },
  {
    name: 'policy-diff',
    summary: 'list requests whose decision changes between two policy versions',
    usage: ['otp-gate policy-diff --config FILE --old OLD --new NEW [--cases CASES.yaml] [--requests FILE]'],
    about:
      'Decides every sample request with both versions of the policies and lists each request whose decision changes, what opens ' +
      'first. Give the requests with --cases, --requests or both. Exits as diff(1) does: 0 no change, 1 changes, 2 trouble.',
    options: [
      CONFIG,
      { name: 'old', value: 'OLD', help: 'the policies before: a file or folder', required: true },
      { name: 'new', value: 'NEW', help: 'the policies after: a file or folder', required: true },
      {
        name: 'cases',
        value: 'CASES.yaml',
        help: 'a cases file whose requests to compare (its expectations are not checked)',
      },
      {
        name: 'requests',
        value: 'FILE',
        help: 'requests to compare, one a line: "[METHOD] URL [IP|-] [USER|-]" or an audit log line',
      },
    ],
    examples: [
      'otp-gate policy-diff --config config.yaml --old /tmp/old/policies/ --new policies/ --cases policies/tests/example.cases.yaml',
    ],
  },
  {
    name: 'hash-password',
    summary: 'print the hash of a password read from standard input',
    usage: ['otp-gate hash-password', `printf '%s\\n' "$PW" | otp-gate hash-password`],
    about:
      'On a terminal it asks twice, not showing what is typed; otherwise it hashes the first line of standard input. Prints the ' +
      'scrypt hash for a user\'s "password:" in the users file.',
    options: [],
    secretArguments: 'it reads the password from standard input, so it never lands in shell history',
    examples: [`printf '%s\\n' 'the password' | otp-gate hash-password`],
  },
];
