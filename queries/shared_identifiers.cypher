// Accounts that share a device or another identifier with a given account
//
// One row per other account, with the identifiers (device, card, IP, email, phone,
// address) it shares with $user_id, most shared first. Identifiers used by more than
// $max_hub accounts are ignored: kiosks and shared terminals would otherwise link
// everybody. Identifier names read "Label:key" (for example "Device:d1").
//
// Parameters:
//   $user_id  STRING   the account to start from (must exist: user) (required)
//   $max_hub  INTEGER  ignore identifiers used by more accounts than this
//                      (default 50)
//
// Example:
//   graphrisk query shared_identifiers --param user_id=u5
//   graphrisk query shared_identifiers --param user_id=u5 --param max_hub=10 --format json
MATCH (me:User {user_id: $user_id})-[:USED]->(shared)<-[:USED]-(other:User)
WHERE other <> me
WITH me, shared, other, COUNT { (shared)<-[:USED]-(:User) } AS users_on_identifier
WHERE users_on_identifier <= coalesce($max_hub, 50)
RETURN other.user_id AS user_id,
       collect(DISTINCT labels(shared)[0] + ':' + coalesce(shared.device_id, shared.card_id, shared.ip_id,
               shared.email_id, shared.phone_id, shared.address_id)) AS shared_identifiers,
       count(DISTINCT shared) AS shared_count
ORDER BY shared_count DESC, user_id
