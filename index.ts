// Entry point of `pulumi up`: validate the stack's site config, build the site, export its outputs.
import { siteProgram } from "./components/site/program";

export = siteProgram();
