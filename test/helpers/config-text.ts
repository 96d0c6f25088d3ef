// The smallest config that loads, as YAML text, for tests of one section appended to it.
export const MINIMAL_CONFIG = `apps:
  - host: wiki.example.com
    upstream: "http://10.0.0.5:8080"
session:
  secrets: ["a-very-long-session-secret-for-tests-only-0123456789"]
directory:
  file: users.yaml
policies: [policies/]
`;
