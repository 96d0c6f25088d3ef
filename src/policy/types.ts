// Policy types: the raw rule as written in YAML, the compiled rule, the facts of a request,
// and the decision. The engine is pure: no HTTP library, no I/O.

/** One rule as it appears in a policy file (after schema validation, before compilation). */
export interface RawRule {
  name?: string;
  /** Host globs: "wiki.example.com", "*.example.com", "**" (any). Absent = any host. */
  hosts?: string[];
  /** Path globs on the normalised, decoded path: "/admin/**", "/health". Absent = any path. */
  paths?: string[];
  /** HTTP methods, upper-case. Absent = any method. */
  methods?: string[];
  /** CIDRs ("10.0.0.0/8", "::1/128") or single addresses. Absent = any address. */
  networks?: string[];
  action: 'bypass' | 'deny' | 'challenge';
  /** challenge only: who may pass (any listed user OR any listed group). Absent both = any known user. */
  users?: string[];
  groups?: string[];
  /** challenge only: channel names in preference order. Absent = every configured channel, in config order. */
  channels?: string[];
  /** challenge only: how long a login under this rule lasts, e.g. "1h". Absent = session.lifetime. */
  session_lifetime?: string;
  /** challenge only: what must be proven. Absent = ["otp"] (a one-time code). */
  factors?: Factor[];
  /** challenge only: "phishing_resistant" = the second factor must be a passkey or security key (WebAuthn). */
  require?: 'phishing_resistant';
  /** challenge only: step-up — a session whose factors were proven longer ago is challenged again. */
  max_session_age?: string;
  /** challenge only: offer "trust this browser" for this long, and honour browsers trusted within it. Absent = never. */
  trusted_device?: string;
  /** challenge only: open enrolment — anyone who proves a phone number in these countries or prefixes signs in as that number. */
  enrol?: RawEnrol;
  /** challenge only: service tokens (by name) this rule admits besides the people it admits. */
  tokens?: string[];
  /** challenge only: accept a personal token as a Basic password (git, curl -u, WebDAV). */
  basic?: boolean;
}

/** `enrol:` as written: where a number must be from (either list may match), and the groups the person gets. */
export interface RawEnrol {
  /** ISO 3166-1 alpha-2 region codes, e.g. ["IT", "CN"]. */
  countries?: string[];
  /** E.164 leading digits, e.g. ["+3933"]. */
  prefixes?: string[];
  groups?: string[];
}

/** A rule's open enrolment, compiled: which numbers may enrol, and the groups they are given. */
export interface EnrolRule {
  /** Upper-case region codes. */
  countries: ReadonlySet<string>;
  /** "+" and digits. */
  prefixes: readonly string[];
  groups: readonly string[];
}

/**
 * What a person proves: something they know (password); something they have, shown by a one-time
 * code (sent, or from an authenticator app) or by a passkey or security key (webauthn); or a
 * passkey with user verification (fingerprint, face, PIN) on its own (passkey, passwordless).
 */
export type Factor = 'password' | 'otp' | 'webauthn' | 'passkey';

/** The factor that shows something a person has: every rule asks for exactly one. */
export type PossessionFactor = Exclude<Factor, 'password'>;

/** Where a rule came from, for explain and error messages. */
export interface RuleOrigin {
  file: string;
  line: number;
  col: number;
}

export interface CompiledRule {
  /** Index in evaluation order. */
  index: number;
  /** The rule's name, or "<file>#<n>" when it has none. */
  name: string;
  origin: RuleOrigin;
  action: 'bypass' | 'deny' | 'challenge';
  users: ReadonlySet<string> | undefined;
  groups: ReadonlySet<string> | undefined;
  channels: readonly string[];
  /** ms */
  sessionLifetime: number;
  /** What must be proven, in the order it is asked: ["otp"], ["password", "otp"], ["webauthn"], ["password", "webauthn"] or ["passkey"]. */
  factors: readonly Factor[];
  /** ms since the factors were proven after which the person is asked again; undefined = session lifetime only. */
  maxSessionAge: number | undefined;
  /** ms a trusted browser is honoured (and offered for) under this rule; undefined = never. */
  trustedDevice: number | undefined;
  /** Open enrolment by phone (challenge rules with `enrol:`); undefined = only known people sign in. */
  enrol: EnrolRule | undefined;
  /** Service tokens named in `tokens:`; undefined = none by name (a listed group may still admit one). */
  tokens: ReadonlySet<string> | undefined;
  /** Whether a token may come as a Basic password here. */
  basic: boolean;
  /** Compiled matchers; each returns why it missed, or undefined on a hit. */
  match(facts: RequestFacts): MissReason | undefined;
  /** The same matchers without building a MissReason: what decide() uses on the hot path. */
  matches(facts: RequestFacts): boolean;
}

export interface MissReason {
  /** Which condition missed. */
  field: 'hosts' | 'paths' | 'methods' | 'networks';
  /** Human text: 'path "/x" matches none of ["/admin/**"]'. */
  detail: string;
}

export interface CompiledPolicy {
  rules: readonly CompiledRule[];
}

/** The facts a decision is made of; produced once per request, before anything matches. */
export interface RequestFacts {
  /** Lower-case, no port, no trailing dot. */
  host: string;
  /** Normalised, decoded path (see normalisePath). Never includes the query. */
  path: string;
  /** Upper-case. */
  method: string;
  /** Client address as text ("203.0.113.7", "::1"); IPv4-mapped IPv6 unwrapped. */
  ip: string;
}

export type Decision =
  | { action: 'bypass'; rule: CompiledRule }
  | { action: 'deny'; rule: CompiledRule | undefined }
  | { action: 'challenge'; rule: CompiledRule };

/** One line of explain: each rule tried, in order, until the one that decides. */
export interface TraceStep {
  rule: CompiledRule;
  hit: boolean;
  miss?: MissReason;
}

/** Who is asking, for deciding whether a challenge rule admits a signed-in user. */
export interface Subject {
  user: string;
  groups: readonly string[];
  /**
   * An enrolled person (open enrolment, not in the users file): admitted only where a rule names
   * them, one of their groups, or enrols into one of their groups, never as "any known user".
   */
  enrolled?: boolean;
}

/** The channel name under which the authenticator app appears in rules and on the code page. */
export const TOTP = 'totp';

/** The channel name under which passkeys and security keys appear in rules (and users' preferences). */
export const WEBAUTHN = 'webauthn';

/** The channel name of an approval from a phone signed in to the gate that scans the sign-in page's QR code. */
export const SCAN = 'scan';

/** The channel name of signing in by sending the gate a prefilled WhatsApp message (the person writes to us). */
export const WHATSAPP_REPLY = 'whatsapp_reply';

/** The channel name of a Web Push notification to a device the person registered, opening the approval page. */
export const PUSH = 'push';

/** Channels by which a phone approves a sign-in instead of a typed code. */
export const APPROVAL_CHANNELS: readonly string[] = [SCAN, WHATSAPP_REPLY, PUSH];
