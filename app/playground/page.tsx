import type { Metadata } from "next";
import { Playground } from "@/components/playground/Playground";

export const metadata: Metadata = { title: "Playground · burstreply" };

export default function PlaygroundPage() {
  return <Playground />;
}
