import { Controller, Inject } from '@nestjs/common';
import { gateway } from '@keelson/requests';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern } from '@keelson/service-kit';
import { Groups } from './groups.js';

/** `create-group`, `add-group-members`, `remove-group-members`, `delete-group`, `get-group` and `list-groups`. */
@Controller()
export class GroupRequests {
  constructor(@Inject(Groups) private readonly groups: Groups) {}

  @RequestPattern(gateway.createGroup)
  create(input: RequestIn<typeof gateway.createGroup>, ctx: RequestContext): RequestOut<typeof gateway.createGroup> {
    return this.groups.create(input, ctx);
  }

  @RequestPattern(gateway.addGroupMembers)
  addMembers(input: RequestIn<typeof gateway.addGroupMembers>, ctx: RequestContext): RequestOut<typeof gateway.addGroupMembers> {
    return this.groups.addMembers(input, ctx);
  }

  @RequestPattern(gateway.removeGroupMembers)
  removeMembers(input: RequestIn<typeof gateway.removeGroupMembers>, ctx: RequestContext): RequestOut<typeof gateway.removeGroupMembers> {
    return this.groups.removeMembers(input, ctx);
  }

  @RequestPattern(gateway.deleteGroup)
  delete(input: RequestIn<typeof gateway.deleteGroup>, ctx: RequestContext): RequestOut<typeof gateway.deleteGroup> {
    return this.groups.delete(input, ctx);
  }

  @RequestPattern(gateway.getGroup)
  get(input: RequestIn<typeof gateway.getGroup>): RequestOut<typeof gateway.getGroup> {
    return this.groups.get(input);
  }

  @RequestPattern(gateway.listGroups)
  list(input: RequestIn<typeof gateway.listGroups>): RequestOut<typeof gateway.listGroups> {
    return this.groups.list(input.fleet, input.limit, input.cursor);
  }
}
