export { GroupCreated, GroupMembersChanged, GroupDeleted, type GroupEvent, groupEvents, parseGroupEvent } from './group-events.js';
