'use client';
import type { AnalyticsClient } from '@acme/analytics-sdk';
import {
  type Context,
  createContext,
  createElement,
  type ReactElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
} from 'react';
import { bindProvider, type ProviderProps } from './provider.js';

export type AnalyticsProviderProps = ProviderProps<ReactNode>;

const bound = bindProvider<Context<AnalyticsClient | null>, ReactNode, ReactElement>({
  createContext,
  useContext,
  useRef,
  useEffect,
  useCallback,
  provide: (context, client, children) => createElement(context.Provider, { value: client }, children),
});

export const { AnalyticsContext, AnalyticsProvider, useAnalytics, useTrackEvent, useIdentify } = bound;
