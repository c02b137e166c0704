// kube-controller-manager for the tests (Deployments, ReplicaSets, garbage collection, namespaces,
// service-account tokens), built from k8s.io/kubernetes as its own cmd/kube-controller-manager does.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
