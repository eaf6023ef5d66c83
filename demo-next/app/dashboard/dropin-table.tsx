'use client';
import { EventsTable, type RowSelectEvent } from '@acme/analytics-react';

/**
 * The drop-in `<EventsTable />`, in a module of its own so the dashboard loads it (and with it Lit and the
 * widgets' definitions) after hydration rather than as part of the page's first script: it sits below the
 * fold, and evaluating the elements up front blocked the main thread while the page became interactive.
 */
export default function DropInTable({
  eventType,
  pageSize,
  onRowSelect,
}: {
  eventType?: string;
  pageSize: number;
  onRowSelect: (event: RowSelectEvent) => void;
}) {
  return (
    <EventsTable id="dropin-table" eventType={eventType} pageSize={pageSize} onRowSelect={onRowSelect} />
  );
}
