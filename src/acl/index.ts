/**
 * Access control (spec 17): per-device permissions to publish, subscribe, call and serve.
 * @module
 */
export { AccessControl, type AclDecision, type AclReason } from './acl.js';
export {
  parseAclConfig,
  ACL_OPERATIONS,
  ID_PLACEHOLDER,
  ANY_DEVICE,
  type AclOperation,
  type AclConfigJson,
  type AclRuleJson,
  type AclPatternsJson,
} from './acl-config.js';
export { filterCovers, filtersOverlap, reachesEveryTopic, reachesSystemTopics } from './filter-cover.js';
