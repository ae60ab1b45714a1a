import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type ServiceConfig } from '@keelson/service-kit';
import { ArtifactSigningModule } from './publishing/artifact-signing.module.js';
import { RenewalModule } from './renewal/renewal.module.js';
import { RepositoryModule } from './repository/repository.module.js';

/** The signer's modules, without the shared infrastructure (specs bring their own). */
export const signerModules = [RepositoryModule, ArtifactSigningModule, RenewalModule];

/** The whole signer on the shared infrastructure. It keeps no read model: its state is EV_TUF and its key files. */
export function signerAppModule(config: ServiceConfig): Type {
  @Module({ imports: [InfrastructureModule.forRoot(config), ...signerModules] })
  class SignerModule {}
  return SignerModule;
}
