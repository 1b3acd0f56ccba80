// Identifiers shared by flagged accounts
//
// Devices, cards, IPs, emails, phones and addresses (the types in $types) used by at
// least $min_flagged accounts the model flagged: how many accounts use each in all,
// how many are flagged and their share, the flagged accounts (most risky first), their
// rings, and the identifier's own stored risk_score if scoring wrote one. Identifiers
// with more than $max_hub accounts are left out. Most flagged accounts first.
//
// Parameters:
//   $min_flagged  INTEGER       fewest flagged accounts on an identifier (default 2)
//   $types        LIST<STRING>  identifier types to look at (one of: device, card,
//                               ip, email, phone, address)
//                               (default device,card,ip,email,phone,address)
//   $max_hub      INTEGER       leave out identifiers with more accounts (default 50)
//   $limit        INTEGER       identifiers to return (default 50)
//
// Example:
//   graphrisk query flagged_shared_identifiers --param types=device,card --param min_flagged=3
MATCH (f:User {flagged: true})-[:USED]->(x)
WHERE toLower(labels(x)[0]) IN coalesce($types, ['device', 'card', 'ip', 'email', 'phone', 'address'])
WITH x, f ORDER BY coalesce(f.risk_score, -1.0) DESC, f.user_id
WITH x, collect(f) AS flagged
WHERE size(flagged) >= coalesce($min_flagged, 2)
WITH x, flagged, COUNT { (x)<-[:USED]-(:User) } AS users
WHERE users <= coalesce($max_hub, 50)
CALL (flagged) {
  UNWIND flagged AS f
  WITH DISTINCT f.ring_id AS ring_id
  WHERE ring_id IS NOT NULL
  WITH ring_id ORDER BY ring_id
  RETURN collect(ring_id) AS rings
}
RETURN toLower(labels(x)[0]) + ':' + coalesce(x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id,
                                             x.address_id) AS identifier,
       users, size(flagged) AS flagged_users, toFloat(size(flagged)) / users AS flagged_share,
       [f IN flagged | f.user_id] AS flagged_accounts, rings, x.risk_score AS identifier_risk
ORDER BY flagged_users DESC, flagged_share DESC, identifier
LIMIT coalesce($limit, 50)
