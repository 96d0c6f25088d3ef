import { deliveryPauseCommands } from './delivery-pauses.js';

// The otp-gate commands as data: what each does, its options with their defaults, and an example.
// The general usage, each command's help and the option parser all read this one table.

export interface OptionSpec {
  /** The long name, without dashes. */
  name: string;
  short?: string;
  /** What its value stands for (FILE, URL); unused for a flag. */
  value: string;
  /** Takes no value: present or not ("true" when given). */
  flag?: boolean;
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
      'otp-gate sessions revoke --config FILE (--user NAME [--credentials] | --id=ID)',
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
        usage: ['otp-gate sessions revoke --config FILE (--user NAME [--credentials] | --id=ID)'],
        about:
          'Give exactly one of --user and --id. Ending every session of a user also forgets every browser they trusted, revokes their personal tokens and removes the browsers they registered for push approvals; with --credentials, also their passkeys and security keys (a lost or stolen key).',
        options: [
          CONFIG,
          { name: 'user', value: 'NAME', help: 'end every session of this user' },
          { name: 'id', value: 'ID', help: 'end this one session (write --id=ID: ids may start with "-")' },
          {
            name: 'credentials',
            value: '',
            flag: true,
            help: "with --user: also remove the user's passkeys and security keys",
          },
        ],
        examples: ['otp-gate sessions revoke --config config.yaml --user alice'],
      },
    ],
  },
  {
    name: 'delivery',
    summary: 'what the gate learned from its code deliveries; number prefixes the pumping breaker paused',
    usage: [
      'otp-gate delivery stats --config FILE [--json]',
      'otp-gate delivery paused --config FILE',
      'otp-gate delivery resume --config FILE PREFIX',
    ],
    about:
      'Reads the delivery figures the gates share in their store (docs/delivery-figures.md), and lists or lifts the ' +
      "pumping breaker's pauses (docs/routing-and-spend.md). Only a redis store is reachable from here.",
    options: [],
    examples: ['otp-gate delivery stats --config config.yaml', 'otp-gate delivery paused --config config.yaml'],
    subcommands: [
      {
        name: 'delivery stats',
        summary: 'time to "delivered" (p50, p90) and counts per channel and country',
        usage: ['otp-gate delivery stats --config FILE [--json]'],
        about:
          'One line per channel overall, per destination country and per number prefix that had a code in the last 8 days: ' +
          'sends, the share delivered and typed in, and the median and 90th-percentile time from send to "delivered". ' +
          "Counts are weighted by age (delivery_figures.half_life), as the gate uses them. Only a redis store's figures are " +
          "readable from here; a memory store's live inside the gate (see its /metrics).",
        options: [CONFIG, { name: 'json', value: '', flag: true, help: 'print JSON instead of a table' }],
        examples: ['otp-gate delivery stats --config config.yaml --json'],
      },
      ...deliveryPauseCommands(CONFIG),
    ],
  },
  {
    name: 'users',
    summary: 'list, remove or promote people enrolled by phone (redis store)',
    usage: [
      'otp-gate users list --config FILE [--json] [--show-numbers]',
      'otp-gate users remove --config FILE NUMBER',
      'otp-gate users promote --config FILE --id NAME NUMBER',
    ],
    about:
      'People a rule with `enrol:` let in, kept in the store the gates share, so only on a redis store. ' +
      'Users in the users file are not listed here: that file is where they are managed.',
    options: [],
    examples: ['otp-gate users list --config config.yaml'],
    subcommands: [
      {
        name: 'users list',
        summary: 'list enrolled people',
        usage: ['otp-gate users list --config FILE [--json] [--show-numbers]'],
        about:
          'Prints one line per person: the number (masked), the name they gave, their groups, their first and last sign-in, ' +
          'and the users-file user the number belongs to once promoted.',
        options: [
          CONFIG,
          { name: 'json', value: '', flag: true, help: 'print a JSON array instead of a table' },
          {
            name: 'show-numbers',
            value: '',
            flag: true,
            help: 'print numbers in full (personal data: the terminal keeps what it shows)',
          },
        ],
        examples: ['otp-gate users list --config config.yaml --json'],
      },
      {
        name: 'users remove',
        summary: 'forget an enrolled person and end their sessions',
        usage: ['otp-gate users remove --config FILE NUMBER'],
        about:
          'Ends every session of the person and forgets every browser they trusted, on every gate instance at its next request. ' +
          'They may enrol again where a rule lets their number enrol. For a number promoted to the users file, only the enrolment is forgotten.',
        options: [CONFIG],
        operands: ['NUMBER'],
        examples: ['otp-gate users remove --config config.yaml "+39 333 123 4567"'],
      },
      {
        name: 'users promote',
        summary: 'print the users-file entry for an enrolled person',
        usage: ['otp-gate users promote --config FILE --id NAME NUMBER'],
        about:
          'Prints the lines to add under `users:` in the users file, with the name and groups the person has; the file itself is ' +
          'never rewritten, so its comments stay. Once the gates reload it, the number signs in as that user.',
        options: [CONFIG, { name: 'id', value: 'NAME', help: 'the username to give the person', required: true }],
        operands: ['NUMBER'],
        examples: ['otp-gate users promote --config config.yaml --id giulia "+39 333 123 4567"'],
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
