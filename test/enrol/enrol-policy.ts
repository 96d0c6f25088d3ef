// The policy the open-enrolment tests share: /guest/ enrols Italian numbers and one Chinese
// prefix into "guests"; /lounge/ admits guests without enrolling; /staff/ and the rest are for
// users-file people. /guest/ offers "trust this browser".
export const ENROL_POLICY = `
rules:
  - name: guests
    paths: ["/guest/**"]
    action: challenge
    enrol: { countries: [IT], prefixes: ["+86138"], groups: [guests] }
    trusted_device: 30d
  - name: lounge
    paths: ["/lounge/**"]
    action: challenge
    groups: [guests]
  - name: staff
    paths: ["/staff/**"]
    action: challenge
    groups: [staff]
  - name: everyone
    action: challenge
`;
