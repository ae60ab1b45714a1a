import type { registry } from '@keelson/requests';
import type { RecordedEvent } from '@keelson/event-store';
import type { ArtifactEvent } from '@keelson/events';

type View = registry.ArtifactView;

function evolveView(view: View | null, { event, time }: RecordedEvent<ArtifactEvent>): View | null {
  switch (event.type) {
    case 'ArtifactReceived': {
      const { contentType: _contentType, ...data } = event.data;
      return { ...data, status: 'received', receivedAt: time.toISOString() };
    }
    case 'ArtifactPublished':
      return view && { ...view, status: 'published', publishedAt: time.toISOString() };
    case 'ArtifactRejected':
      return view && { ...view, status: 'rejected', rejectedReason: event.data.reason };
  }
}

/**
 * The view of an artifact folded from its own stream, for answers that must not wait for the read
 * model (the upload's 201). Event times are JetStream's, as in the read model.
 */
export function viewOfHistory(history: RecordedEvent<ArtifactEvent>[]): View | null {
  return history.reduce<View | null>(evolveView, null);
}
