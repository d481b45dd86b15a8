import type { Metadata } from "next";
import { MaintenancePanel } from "@/components/lifecycle/MaintenancePanel";
import { DeadLetters } from "@/components/maintenance/DeadLetters";

export const metadata: Metadata = { title: "Maintenance · burstreply" };

export default function MaintenancePage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Maintenance</h1>
          <p className="subtitle">
            Archiving, retention cleanup, database figures and labelling: when they last ran, what they did, and a
            button to run each now.
          </p>
        </div>
      </div>
      <MaintenancePanel />
      <DeadLetters />
    </>
  );
}
