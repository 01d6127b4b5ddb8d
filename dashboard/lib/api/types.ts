import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type BotState = Schemas["BotState"];
export type TodayMetrics = Schemas["TodayMetrics"];
export type Position = Schemas["Position"];
export type ProcessStatus = Schemas["ProcessStatus"];
export type Trade = Schemas["Trade"];
export type MarketEvent = Schemas["MarketEvent"];
export type LogLine = Schemas["LogLine"];
export type LastError = Schemas["LastError"];
export type Checklist = Schemas["Checklist"];
export type CheckItem = Schemas["CheckItem"];
export type ConfigVersion = Schemas["ConfigVersion"];
export type ConfigCheck = Schemas["ConfigCheck"];
export type ControlResult = Schemas["ControlResult"];
export type HealthCheckReport = Schemas["HealthCheckReport"];
export type HealthCheck = Schemas["HealthCheck"];
export type ExitReason = Schemas["ExitReason"];
export type Health = Schemas["Health"];
export type StorageReport = Schemas["StorageReport"];
export type Retention = Schemas["Retention"];
export type FamilyRetention = Schemas["FamilyRetention"];
export type WindowDay = Schemas["WindowDay"];
export type PruneRecord = Schemas["PruneRecord"];

export type TradesQuery = NonNullable<paths["/api/trades"]["get"]["parameters"]["query"]>;
export type EventsQuery = NonNullable<paths["/api/events"]["get"]["parameters"]["query"]>;
export type LogsQuery = NonNullable<paths["/api/logs"]["get"]["parameters"]["query"]>;

/** A field error as the API reports it for 422 responses (`{detail, errors: [{field, message}]}`). */
export type FieldError = Schemas["FieldError"];

export interface ApiErrorBody {
  detail?: unknown;
  errors?: FieldError[];
}

export type { paths, components };
