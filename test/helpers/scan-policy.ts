// The policy the approval tests sign in under: /desk/ waits for a phone's approval (a code on
// request), everything else takes a code, so a phone can sign in first.
export const SCAN_POLICY = `
rules:
  - name: desk
    paths: ["/desk/**"]
    action: challenge
    channels: [scan, console]
  - name: everyone
    action: challenge
    channels: [console]
`;
